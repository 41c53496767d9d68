package store

import "strings"

// MaxNameLength is HarperDB's limit on database and table names; with the
// ".bolt" suffix a database file name stays within the usual 255-byte
// file-name limit.
const MaxNameLength = 250

// Parameter names used in validation messages.
const (
	paramDatabase   = "database"
	paramTable      = "table"
	paramPrimaryKey = "primary_key"
)

// validateName checks a database or table name the way HarperDB does
// (printable ASCII without '/' or '`', 1 to 250 characters) and also
// refuses "..", because a database name becomes a file name. param names
// the request field in the message.
func validateName(param, name string) error {
	if name == "" {
		return badRequest(ErrMsgRequired, param)
	}
	if len(name) > MaxNameLength {
		return badRequest(ErrMsgNameLength, param)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < ' ' || c > '~' || c == '/' || c == '`' {
			return badRequest(ErrMsgNameChars, param)
		}
	}
	if strings.Contains(name, "..") {
		return badRequest(ErrMsgNameDots, param)
	}
	return nil
}

// validateNames checks a database name and a table name, database first.
func validateNames(db, table string) error {
	if err := validateName(paramDatabase, db); err != nil {
		return err
	}
	return validateName(paramTable, table)
}

// validAttributeName reports whether an attribute name is acceptable:
// HarperDB forbids slashes and backticks in attribute names.
// MaxAttributeNameBytes is the longest attribute name HarperDB 4.7 stores
// (its index keys are bounded); a longer one is refused, and the write that
// names it writes nothing.
const MaxAttributeNameBytes = 250

func validAttributeName(name string) bool {
	return !strings.ContainsAny(name, "/`")
}
