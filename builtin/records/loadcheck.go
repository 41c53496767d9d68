package records

import (
	"encoding/json"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hops-dev/hops/sdk"
)

// Bulk load requests are checked with HarperDB 4.7.29's own validators and
// words (verified against it, docs/compatibility.md): csv_data_load,
// csv_file_load and import_from_s3 with its validate.js rules, whose
// messages are joined by ","; csv_url_load with its Joi schema, whose
// messages are joined by ". ".

// The load operations (their names are also the job types).
const (
	opCSVDataLoad  = "csv_data_load"
	opCSVFileLoad  = "csv_file_load"
	opCSVURLLoad   = "csv_url_load"
	opImportFromS3 = "import_from_s3"
)

// The actions of a load, and the default.
const (
	actionInsert = "insert"
	actionUpdate = "update"
	actionUpsert = "upsert"
)

// loadRequest is a checked bulk load.
type loadRequest struct {
	op     string
	t      target
	action string
	// data is csv_data_load's CSV text.
	data string
	// path is csv_file_load's file.
	path string
	// url and headers are csv_url_load's csv_url and passthrough_headers.
	url     *url.URL
	headers map[string]string
	// s3 is import_from_s3's object.
	s3 s3Object
}

// s3Object is import_from_s3's s3 field.
type s3Object struct {
	accessKeyID, secret, bucket, key, region string
	// endpoint and forcePathStyle are hops' extension, as export_to_s3
	// takes them: an S3-compatible endpoint URL ("" is AWS) and path-style
	// addressing.
	endpoint       string
	forcePathStyle bool
}

// namePattern is HarperDB's pattern for database and table names
// (printable ASCII but / and `).
var namePattern = regexp.MustCompile("^[\x20-\x2E\x30-\x5F\x61-\x7E]*$")

// maxNameLength is HarperDB's longest database or table name.
const maxNameLength = 250

// vjs collects validate.js messages: each is the attribute's pretty name
// and a text.
type vjs struct{ msgs []string }

func (v *vjs) add(attr, text string) { v.msgs = append(v.msgs, prettyName(attr)+" "+text) }

func (v *vjs) err() error {
	if len(v.msgs) == 0 {
		return nil
	}
	return sdk.BadRequest("%s", strings.Join(v.msgs, ","))
}

// prettyName is validate.js's prettify: dots and underscores become
// spaces, the first letter upper case ("s3.aws_access_key_id" is
// "S3 aws access key id").
func prettyName(attr string) string {
	s := strings.NewReplacer(".", " ", "_", " ").Replace(attr)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// nameValue reads a database or table name: a string, or a number as
// JavaScript writes it (5 is "5", as insert takes it); ok is false when
// the field holds something else.
func nameValue(fields *sdk.Fields, key string) (string, bool) {
	raw, _ := fields.Raw(key)
	if isNumber(raw) {
		var n float64
		if json.Unmarshal(raw, &n) == nil {
			return jsNumber(n), true
		}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// present reports whether key holds something other than null.
func present(fields *sdk.Fields, key string) bool {
	raw, ok := fields.Raw(key)
	return ok && string(raw) != "null"
}

// checkName applies HarperDB's name rules to a database or table field.
func (v *vjs) checkName(fields *sdk.Fields, key string, required bool) string {
	if !present(fields, key) {
		if required {
			v.add(key, "can't be blank")
		}
		return ""
	}
	s, ok := nameValue(fields, key)
	if !ok || !namePattern.MatchString(s) {
		v.add(key, "names cannot include backticks or forward slashes")
	}
	switch n := utf8.RuneCountInString(s); {
	case n < 1:
		v.add(key, "is too short (minimum is 1 characters)")
	case n > maxNameLength:
		v.add(key, "cannot exceed 250 characters")
	}
	return s
}

// readLoad checks a csv_data_load, csv_file_load or import_from_s3 body
// in validate.js's order: database (or schema), table, action, then
// data, file_path or the s3 object.
func readLoad(op string, body []byte) (loadRequest, error) {
	fields := sdk.ReadFields(body)
	if err := fields.Err(); err != nil {
		return loadRequest{}, err
	}
	req := loadRequest{op: op, t: target{db: defaultDatabase}, action: actionInsert}
	v := &vjs{}
	dbKey := fields.FirstOf(aliasDatabase...)
	if db := v.checkName(fields, dbKey, false); present(fields, dbKey) {
		req.t.db = db
	}
	req.t.table = v.checkName(fields, fieldTable, true)
	if present(fields, fieldAction) {
		raw, _ := fields.Raw(fieldAction)
		var a string
		if json.Unmarshal(raw, &a) != nil || a != actionInsert && a != actionUpdate && a != actionUpsert {
			v.add(fieldAction, "is required and must be either insert, update, or upsert")
		} else {
			req.action = a
		}
	}
	switch op {
	case opCSVDataLoad:
		req.data = v.requiredString(fields, fieldData, "Data")
	case opCSVFileLoad:
		req.path = v.requiredString(fields, fieldFilePath, "File path")
	case opImportFromS3:
		req.s3 = v.readS3(fields)
	}
	return req, v.err()
}

// requiredString reads data or file_path: absent or null is HarperDB's
// "X  is required" (its message starts with a space); a value that is not
// a string, which HarperDB lets through to fail later, is refused here.
func (v *vjs) requiredString(fields *sdk.Fields, key, pretty string) string {
	if !present(fields, key) {
		v.msgs = append(v.msgs, pretty+"  is required")
		return ""
	}
	raw, _ := fields.Raw(key)
	var s string
	if json.Unmarshal(raw, &s) != nil {
		v.msgs = append(v.msgs, pretty+" must be a string")
	}
	return s
}

// readS3 reads import_from_s3's s3 object: HarperDB's five required
// strings, the key ending in .csv or .json, then hops' endpoint and
// force_path_style as export_to_s3 reads them.
func (v *vjs) readS3(fields *sdk.Fields) s3Object {
	var o s3Object
	var s3 *sdk.Fields
	if present(fields, fieldS3) {
		s3, _ = fields.Object(fieldS3)
	} else {
		v.add(fieldS3, "can't be blank")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"aws_access_key_id", &o.accessKeyID}, {"aws_secret_access_key", &o.secret},
		{"bucket", &o.bucket}, {"key", &o.key}, {"region", &o.region},
	} {
		name := fieldS3 + "." + f.key
		if s3 == nil || !present(s3, f.key) {
			v.add(name, "can't be blank")
			continue
		}
		raw, _ := s3.Raw(f.key)
		if json.Unmarshal(raw, f.dst) != nil {
			v.add(name, "must be of type String")
			continue
		}
		if f.key == "key" && !validImportExt(*f.dst) {
			v.add(name, "must include one of the following valid file extensions - '.csv', '.json'")
		}
	}
	if s3 == nil {
		return o
	}
	if present(s3, "endpoint") {
		raw, _ := s3.Raw("endpoint")
		var e string
		if json.Unmarshal(raw, &e) != nil || e != "" && !httpURL(e) {
			v.msgs = append(v.msgs, MsgS3EndpointInvalid)
		}
		o.endpoint = e
	}
	if present(s3, "force_path_style") {
		b, ok := s3.Bool("force_path_style")
		if !ok {
			v.msgs = append(v.msgs, MsgS3PathStyleInvalid)
		}
		o.forcePathStyle = b
	}
	return o
}

// validImportExt reports whether an S3 key names a file import_from_s3
// reads: .csv or .json, as HarperDB's path.extname sees it.
func validImportExt(key string) bool {
	ext := path.Ext(key)
	return ext == ".csv" || ext == ".json"
}

// readURLLoad checks a csv_url_load body with HarperDB's Joi schema
// (table required, action one of three, csv_url a URI, passthrough_headers
// an object), then hops' rule that the URL is http or https with a host.
func readURLLoad(body []byte) (loadRequest, error) {
	fields := sdk.ReadFields(body)
	if err := fields.Err(); err != nil {
		return loadRequest{}, err
	}
	req := loadRequest{op: opCSVURLLoad, t: target{db: defaultDatabase}, action: actionInsert}
	var msgs []string
	joiString := func(key string, required bool) (string, bool) {
		raw, ok := fields.Raw(key)
		if !ok {
			if required {
				msgs = append(msgs, "'"+key+"' is required")
			}
			return "", false
		}
		if key != fieldCSVURL && isNumber(raw) {
			s, _ := nameValue(fields, key)
			return s, true
		}
		var s string
		if json.Unmarshal(raw, &s) != nil || string(raw) == "null" {
			msgs = append(msgs, "'"+key+"' must be a string")
			return "", false
		}
		if s == "" {
			msgs = append(msgs, "'"+key+"' is not allowed to be empty")
			return "", false
		}
		return s, true
	}
	dbKey := fields.FirstOf(aliasDatabase...)
	if db, ok := joiString(dbKey, false); ok {
		req.t.db = db
	}
	req.t.table, _ = joiString(fieldTable, true)
	if raw, ok := fields.Raw(fieldAction); ok {
		var a string
		if json.Unmarshal(raw, &a) != nil || a != actionInsert && a != actionUpdate && a != actionUpsert {
			msgs = append(msgs, "'action' must be one of [insert, update, upsert]")
		} else {
			req.action = a
		}
	}
	if s, ok := joiString(fieldCSVURL, true); ok {
		u, err := url.Parse(s)
		switch {
		case err != nil || !uriScheme.MatchString(u.Scheme) || strings.ContainsAny(s, " \t\n"):
			msgs = append(msgs, "'csv_url' must be a valid url")
		case u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "":
			msgs = append(msgs, MsgURLScheme)
		default:
			req.url = u
		}
	}
	if raw, ok := fields.Raw(fieldPassthrough); ok {
		var h map[string]any
		if json.Unmarshal(raw, &h) != nil || h == nil {
			msgs = append(msgs, "'passthrough_headers' must be of type object")
		} else {
			req.headers = make(map[string]string, len(h))
			for k, val := range h {
				if s, ok := val.(string); ok {
					req.headers[k] = s
				} else if b, err := json.Marshal(val); err == nil {
					req.headers[k] = string(b)
				}
			}
		}
	}
	if len(msgs) > 0 {
		return loadRequest{}, sdk.BadRequest("%s", strings.Join(msgs, ". "))
	}
	return req, nil
}

// httpURL reports whether s is an http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// uriScheme is an RFC 3986 scheme.
var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// Field names of the load operations.
const (
	fieldAction      = "action"
	fieldData        = "data"
	fieldFilePath    = "file_path"
	fieldCSVURL      = "csv_url"
	fieldPassthrough = "passthrough_headers"
	fieldS3          = "s3"
)
