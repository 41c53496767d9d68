package certstore

import (
	"bytes"
	"encoding/json"
	"strings"
)

// AddInput is the body of add_certificate. Decode it with DecodeAddInput
// (or json.Unmarshal, which calls the same checks) so every bad field is
// named. The private key is never marshalled back: its field is `json:"-"`
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

// UnmarshalJSON decodes and checks an add_certificate body like
// DecodeAddInput.
func (in *AddInput) UnmarshalJSON(body []byte) error {
	v, err := DecodeAddInput(body)
	if err != nil {
		return err
	}
	*in = v
	return nil
}

// DecodeAddInput decodes an add_certificate body, checking each field's
// presence and JSON type and naming the field in the error (a 400 *Error):
// `'name' is required`, `'certificate' must be a string`, `'is_authority'
// must be a boolean`, `'hosts' must be an array`, ... Unknown fields (the
// "operation" itself among them) are ignored. A JSON null counts as absent.
// Whether the name is a safe file name and the PEMs parse is checked by Add.
func DecodeAddInput(body []byte) (AddInput, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return AddInput{}, badInput(MsgBodyNotObject, err)
	}
	var in AddInput
	var err error
	if in.Name, err = stringField(fields, "name", true); err != nil {
		return AddInput{}, err
	}
	if in.Certificate, err = stringField(fields, "certificate", true); err != nil {
		return AddInput{}, err
	}
	if in.IsAuthority, err = boolField(fields, "is_authority"); err != nil {
		return AddInput{}, err
	}
	if in.PrivateKey, err = stringField(fields, "private_key", false); err != nil {
		return AddInput{}, err
	}
	if in.Hosts, err = stringsField(fields, "hosts"); err != nil {
		return AddInput{}, err
	}
	if in.Uses, err = stringsField(fields, "uses"); err != nil {
		return AddInput{}, err
	}
	return in, nil
}

// present reports whether a field is there and not null.
func present(fields map[string]json.RawMessage, name string) bool {
	raw, ok := fields[name]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// stringField reads a non-empty string field; absent is an error only when
// required.
func stringField(fields map[string]json.RawMessage, name string, required bool) (string, error) {
	if !present(fields, name) {
		if required {
			return "", badRequest(MsgRequired, name)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(fields[name], &s); err != nil {
		return "", badRequest(MsgString, name)
	}
	if s == "" {
		return "", badRequest(MsgEmpty, name)
	}
	return s, nil
}

// boolField reads a required strict boolean (true/false, not "true" or 1).
func boolField(fields map[string]json.RawMessage, name string) (bool, error) {
	if !present(fields, name) {
		return false, badRequest(MsgRequired, name)
	}
	var b bool
	if err := json.Unmarshal(fields[name], &b); err != nil {
		return false, badRequest(MsgBool, name)
	}
	return b, nil
}

// stringsField reads an optional array of strings; absent yields nil, an
// empty array a non-nil empty slice.
func stringsField(fields map[string]json.RawMessage, name string) ([]string, error) {
	if !present(fields, name) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(fields[name], &items); err != nil {
		return nil, badRequest(MsgArray, name)
	}
	out := make([]string, 0, len(items))
	for _, raw := range items {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badRequest(MsgArrayOfStrings, name)
		}
		out = append(out, s)
	}
	return out, nil
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
