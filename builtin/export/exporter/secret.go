package exporter

import (
	"fmt"
	"log/slog"
)

// RedactedText is what every printed or marshalled form of a Secret shows
// instead of its value.
const RedactedText = "[REDACTED]"

// Secret holds a credential (the AWS secret access key). Its value is
// reachable only through Reveal: fmt (every verb, %#v included),
// encoding/json, encoding.TextMarshaler and slog all see RedactedText, so a
// request can be logged or stored without leaking it.
type Secret struct {
	value string
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Reveal returns the secret's value; call it only where the credential is
// handed to the code that signs requests.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer with RedactedText.
func (s Secret) String() string { return RedactedText }

// GoString implements fmt.GoStringer with RedactedText.
func (s Secret) GoString() string { return RedactedText }

// Format implements fmt.Formatter: every verb prints RedactedText, so %x or
// %q cannot reach the value either.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(RedactedText)) }

// MarshalText implements encoding.TextMarshaler with RedactedText.
func (s Secret) MarshalText() ([]byte, error) { return []byte(RedactedText), nil }

// MarshalJSON implements json.Marshaler with RedactedText as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + RedactedText + `"`), nil }

// LogValue implements slog.LogValuer with RedactedText.
func (s Secret) LogValue() slog.Value { return slog.StringValue(RedactedText) }
