package certstore

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"strings"
	"time"
)

// Details is what list_certificates shows of a certificate, formatted the
// way HarperDB shows it (it uses Node's X509Certificate; see the reference,
// section 5).
type Details struct {
	// Issuer is the issuer's distinguished name, e.g. "CN=a.local O=Org".
	Issuer string `json:"issuer"`
	// Subject is the subject's distinguished name, same format.
	Subject string `json:"subject"`
	// SubjectAltName lists the SANs, e.g. "DNS:a.local, IP Address:127.0.0.1";
	// empty (and omitted from JSON) when the certificate has none.
	SubjectAltName string `json:"subject_alt_name,omitempty"`
	// SerialNumber is the serial in upper-case hex, whole bytes, no colons.
	SerialNumber string `json:"serial_number"`
	// ValidFrom is NotBefore as "Nov 23 05:03:09 2026 GMT".
	ValidFrom string `json:"valid_from"`
	// ValidTo is NotAfter, same format.
	ValidTo string `json:"valid_to"`
}

// dateLayout is OpenSSL's ASN1_TIME_print format, which Node uses: the day
// is padded with a space ("Aug  7"), not a zero.
const dateLayout = "Jan _2 15:04:05 2006 GMT"

// attributeNames are OpenSSL's short names, which Node prints; an attribute
// not listed is printed by its dotted OID, as OpenSSL does.
var attributeNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.17":                   "postalCode",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
}

// certDetails formats cert for list_certificates.
func certDetails(cert *x509.Certificate) Details {
	return Details{
		Issuer:         distinguishedName(cert.Issuer),
		Subject:        distinguishedName(cert.Subject),
		SubjectAltName: subjectAltName(cert),
		SerialNumber:   serialHex(cert),
		ValidFrom:      formatDate(cert.NotBefore),
		ValidTo:        formatDate(cert.NotAfter),
	}
}

// distinguishedName prints the attributes in the certificate's own order,
// as OpenSSL's multi-line form with its newlines turned into spaces (what
// HarperDB shows): "CN=conf-rsa.local O=Conf Test". Values are escaped per
// RFC 2253 ("\,"), control characters as "\XX".
func distinguishedName(name pkix.Name) string {
	parts := make([]string, 0, len(name.Names))
	for _, atv := range name.Names {
		key, ok := attributeNames[atv.Type.String()]
		if !ok {
			key = atv.Type.String()
		}
		parts = append(parts, key+"="+escapeValue(fmt.Sprint(atv.Value)))
	}
	return strings.Join(parts, " ")
}

// escapeValue applies OpenSSL's ASN1_STRFLGS_ESC_2253 and ESC_CTRL rules.
func escapeValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case strings.IndexByte(",+\"\\<>;", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case (c == '#' || c == ' ') && i == 0, c == ' ' && i == len(v)-1:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(&b, "\\%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// subjectAltName prints the SANs as Node does: "DNS:x, email:a@b,
// IP Address:1.2.3.4, URI:https://...". Go's parser groups SANs by type, so
// they come in that type order (the order Go itself writes them in, checked
// against Node 20) rather than the certificate's; other SAN types
// (otherName, directoryName) are not shown.
func subjectAltName(cert *x509.Certificate) string {
	var parts []string
	for _, d := range cert.DNSNames {
		parts = append(parts, "DNS:"+altName(d))
	}
	for _, e := range cert.EmailAddresses {
		parts = append(parts, "email:"+altName(e))
	}
	for _, ip := range cert.IPAddresses {
		parts = append(parts, "IP Address:"+ipText(ip))
	}
	for _, u := range cert.URIs {
		parts = append(parts, "URI:"+altName(u.String()))
	}
	return strings.Join(parts, ", ")
}

// ipText prints a 4-byte address dotted and a 16-byte one as eight
// upper-case hex groups without "::" compression, as Node does. Go keeps a
// SAN address's bytes as the certificate encodes them.
func ipText(ip net.IP) string {
	switch len(ip) {
	case net.IPv4len:
		return ip.String()
	case net.IPv6len:
		groups := make([]string, 0, net.IPv6len/2)
		for i := 0; i < net.IPv6len; i += 2 {
			groups = append(groups, fmt.Sprintf("%X", uint16(ip[i])<<8|uint16(ip[i+1])))
		}
		return strings.Join(groups, ":")
	default:
		return "<invalid>"
	}
}

// altName quotes a name holding characters that would make the list
// ambiguous, as Node does (JSON string syntax).
func altName(s string) string {
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c == ',' || c == '\'' || c < ' ' || c == 0x7f {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// serialHex prints the serial as OpenSSL's BN_bn2hex: upper-case, whole
// bytes (so a leading zero nibble stays), "0" for zero, "-" if negative.
func serialHex(cert *x509.Certificate) string {
	if cert.SerialNumber == nil || cert.SerialNumber.Sign() == 0 {
		return "0"
	}
	s := fmt.Sprintf("%X", cert.SerialNumber.Bytes())
	if cert.SerialNumber.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// formatDate formats a time like valid_from.
func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }
