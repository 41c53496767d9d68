package certstore

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"math/big"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDetailsOfFixedCertificate formats a certificate with known fields,
// generated here (the expected values are what Node 20's X509Certificate
// printed for this certificate, HarperDB's newlines turned into spaces): subject attributes in the certificate's order, an issuer
// built from pkix.Name fields (Go writes C, ST, L, O, OU, CN), every SAN
// type, a serial with a leading zero nibble and a single-digit day.
func TestDetailsOfFixedCertificate(t *testing.T) {
	denver := time.FixedZone("MDT", -6*3600)
	caKey, leafKey := ecKey(t), ecKey(t)
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Fixed CA", Country: []string{"US"}, Province: []string{"Colorado"}, Locality: []string{"Denver"}, Organization: []string{"Acme"}},
		NotBefore:             time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2044, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caCert := parseOne(t, sign(t, ca, caKey, nil, nil))
	oid := func(n ...int) asn1.ObjectIdentifier { return n }
	uri, _ := url.Parse("https://fixed.local/x")
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(0x0F1234),
		Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: oid(2, 5, 4, 3), Value: "fixed.local"},
			{Type: oid(2, 5, 4, 6), Value: "US"},
			{Type: oid(2, 5, 4, 8), Value: "Colorado"},
			{Type: oid(2, 5, 4, 7), Value: "Denver"},
			{Type: oid(2, 5, 4, 10), Value: "Acme, Inc."},
			{Type: oid(1, 2, 840, 113549, 1, 9, 1), Value: "ops@fixed.local"},
		}},
		DNSNames:       []string{"fixed.local", "alt.fixed.local"},
		IPAddresses:    []net.IP{net.IPv4(127, 0, 0, 1), net.ParseIP("2001:db8::1")},
		EmailAddresses: []string{"ops@fixed.local"},
		URIs:           []*url.URL{uri},
		NotBefore:      time.Date(2024, 8, 7, 9, 0, 0, 0, denver),
		NotAfter:       time.Date(2034, 11, 23, 5, 3, 9, 0, time.UTC),
	}
	got := certDetails(parseOne(t, sign(t, leaf, leafKey, caCert, caKey)))
	want := Details{
		Issuer:         "C=US ST=Colorado L=Denver O=Acme CN=Fixed CA",
		Subject:        `CN=fixed.local C=US ST=Colorado L=Denver O=Acme\, Inc. emailAddress=ops@fixed.local`,
		SubjectAltName: "DNS:fixed.local, DNS:alt.fixed.local, email:ops@fixed.local, IP Address:127.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, URI:https://fixed.local/x",
		SerialNumber:   "0F1234",
		ValidFrom:      "Aug  7 15:00:00 2024 GMT",
		ValidTo:        "Nov 23 05:03:09 2034 GMT",
	}
	if got != want {
		t.Fatalf("details\n got %+v\nwant %+v", got, want)
	}
}

// TestDetailsOfConformanceCertificates pins the values the conformance
// case expects for openssl-made certificates.
func TestDetailsOfConformanceCertificates(t *testing.T) {
	rsa := certDetails(parseOne(t, fixture(t, "conf-rsa.crt")))
	want := Details{
		Issuer:         "CN=conf-rsa.local O=Conf Test",
		Subject:        "CN=conf-rsa.local O=Conf Test",
		SubjectAltName: "DNS:conf-rsa.local, DNS:alt.conf-rsa.local, IP Address:127.0.0.3",
		SerialNumber:   "390CCD30CA304F95353F957CDD6F19B156E591B1",
		ValidFrom:      "Nov 23 05:03:09 2026 GMT",
		ValidTo:        "Nov 20 05:03:09 2036 GMT",
	}
	if rsa != want {
		t.Fatalf("conf-rsa details\n got %+v\nwant %+v", rsa, want)
	}
	if got := certDetails(parseOne(t, fixture(t, "conf-orphan.crt"))).SerialNumber; got != "0F1C2BD30AD750EC1AFEDD460FB01824FBA5BA95" {
		t.Errorf("serial = %s, want the leading zero kept", got)
	}
	leaf := certDetails(parseOne(t, fixture(t, "conf-leaf.crt")))
	if leaf.Issuer != "CN=Conf Test CA O=Conf Test" || leaf.Subject != "CN=conf-leaf.local O=Conf Test" {
		t.Errorf("conf-leaf details %+v", leaf)
	}
	ca := certDetails(parseOne(t, fixture(t, "conf-ca.crt")))
	out, _ := json.Marshal(ca)
	if ca.SubjectAltName != "" || strings.Contains(string(out), "subject_alt_name") {
		t.Errorf("a certificate without SANs must omit subject_alt_name: %s", out)
	}
}

func TestSelfSigned(t *testing.T) {
	if !selfSigned(parseOne(t, fixture(t, "conf-ca.crt"))) || !selfSigned(parseOne(t, fixture(t, "conf-rsa.crt"))) {
		t.Error("self-signed fixtures not recognised")
	}
	if selfSigned(parseOne(t, fixture(t, "conf-leaf.crt"))) {
		t.Error("a CA-signed leaf reported self-signed")
	}
}

func TestEscapes(t *testing.T) {
	cases := map[string]string{
		"plain":     "plain",
		"a,b+c;d":   `a\,b\+c\;d`,
		`q"<>\`:     `q\"\<\>\\`,
		"#lead":     `\#lead`,
		"mid#":      "mid#",
		" sp ":      `\ sp\ `,
		"tab\there": `tab\09here`,
		"ünïcode":   "ünïcode",
	}
	for in, want := range cases {
		if got := escapeValue(in); got != want {
			t.Errorf("escapeValue(%q) = %q, want %q", in, got, want)
		}
	}
	alt := map[string]string{
		"a.local": "a.local",
		"a,b":     `"a,b"`,
		`say"hi"`: `"say\"hi\""`,
		"it's":    `"it's"`,
		"line\nx": `"line\u000ax"`,
	}
	for in, want := range alt {
		if got := altName(in); got != want {
			t.Errorf("altName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ipText(net.IPv6loopback); got != "0:0:0:0:0:0:0:1" {
		t.Errorf("ipText(::1) = %s", got)
	}
}

func parseOne(t *testing.T, pemText string) *x509.Certificate {
	t.Helper()
	c, err := parseChain(pemText)
	if err != nil {
		t.Fatal(err)
	}
	return c.leaf
}

// TestDetailsEscapesLikeNode pins the subject Node 20's X509Certificate
// printed for an openssl-made certificate full of characters to escape.
// (Its SANs are DNS, IP, email in certificate order; Go's parser groups
// them by type, so that order is not reproduced: see subjectAltName.)
func TestDetailsEscapesLikeNode(t *testing.T) {
	d := certDetails(parseOne(t, fixture(t, "escapes.crt")))
	want := `CN=\#lead O=\ sp\  OU=a\,b\+c\;d L=q\"\<\>\\x ST=tab\09here C=US title=ünï`
	if d.Subject != want || d.Issuer != want {
		t.Errorf("subject = %q\n     want %q", d.Subject, want)
	}
	if d.SerialNumber != "4A0F76B4D8E28BDFCD59477C47EE6C5DF4EFF904" {
		t.Errorf("serial = %s", d.SerialNumber)
	}
	if !strings.Contains(d.SubjectAltName, "IP Address:0:0:0:0:0:0:0:1") {
		t.Errorf("subject_alt_name = %s, want IPv6 printed uncompressed", d.SubjectAltName)
	}
}
