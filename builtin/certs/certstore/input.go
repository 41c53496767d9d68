package certstore

import (
	"strings"

	"github.com/hops-dev/hops/sdk"
)

// AddInput is the body of add_certificate. Read it with DecodeAddInput so
// every bad field is named. The private key is never marshalled back: its field is `json:"-"`
// and String redacts it.
type AddInput struct {
	// Name is the record's name and the key file's base name (<name>.pem).
	// Required, non-empty, and a safe file name (see MsgUnsafeName).
	Name string `json:"name"`
	// Certificate is the PEM: one certificate or a chain, the leaf first.
	// Required.
	Certificate string `json:"certificate"`
	// IsAuthority marks a certificate authority. Required.
	IsAuthority bool `json:"is_authority"`
	// Hosts are the names this certificate serves over HTTPS (SNI).
	// Optional; nil means the certificate's DNS SANs, else its CN.
	Hosts []string `json:"hosts,omitempty"`
	// Uses says what the certificate is for (for example "https").
	// Optional; nil means none.
	Uses []string `json:"uses,omitempty"`
	// PrivateKey is the PEM private key (RSA, ECDSA or Ed25519 in PKCS#1,
	// PKCS#8 or SEC1). Optional: without it a matching key file on disk
	// is looked for. Never marshalled.
	PrivateKey string `json:"-"`
}

// String describes in without its private key, so a log line or a %v never
// prints the key.
func (in AddInput) String() string {
	key := "none"
	if in.PrivateKey != "" {
		key = "[redacted]"
	}
	return "AddInput{name=" + in.Name + " is_authority=" + boolText(in.IsAuthority) +
		" hosts=[" + strings.Join(in.Hosts, ",") + "] private_key=" + key + "}"
}

// GoString redacts the key from %#v as String does from %v.
func (in AddInput) GoString() string { return in.String() }

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// DecodeAddInput reads an add_certificate body with sdk.Fields (exact
// keys, the last duplicate wins), checking each field's presence and JSON
// type and naming every bad field in one 400 (HarperDB's Joi messages,
// joined): `'name' is required`, `'certificate' must be a string`,
// `'is_authority' must be a boolean`, `'hosts' must be an array`, ... A
// JSON null is a value of the wrong type, not an absent field. Unknown
// fields (the "operation" itself among them) are ignored. Whether the name
// is a safe file name and the PEMs parse is checked by Add.
func DecodeAddInput(body []byte) (AddInput, error) {
	fields := sdk.ReadFields(body)
	if fields.Err() != nil {
		return AddInput{}, badRequest(MsgBodyNotObject)
	}
	in := AddInput{
		Name:        fields.String("name", sdk.Required),
		Certificate: fields.String("certificate", sdk.Required),
	}
	in.IsAuthority, _ = fields.Bool("is_authority", sdk.Required)
	in.PrivateKey = fields.String("private_key")
	in.Hosts, _ = fields.Strings("hosts")
	in.Uses, _ = fields.Strings("uses")
	if err := fields.Err(); err != nil {
		return AddInput{}, err
	}
	return in, nil
}

// maxNameLength keeps "<name>.pem.<random>.tmp" under the 255-byte file
// name limit of common file systems (the suffix takes up to 25 bytes).
const maxNameLength = 200

// checkName refuses names that are empty or could escape the keys
// directory or hide a file: path separators, "..", NUL.
func checkName(name string) error {
	if name == "" {
		return badRequest(MsgRequired, "name")
	}
	if strings.ContainsAny(name, "/\\\x00") || strings.Contains(name, "..") || name == "." {
		return badRequest(MsgUnsafeName)
	}
	if len(name) > maxNameLength {
		return badRequest(MsgNameTooLong, maxNameLength)
	}
	return nil
}
