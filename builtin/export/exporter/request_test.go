package exporter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sqlSearch is a valid search_operation for request bodies.
const sqlSearch = `{"operation":"sql","sql":"SELECT * FROM dev.dogs"}`

// wantBadRequest fails t unless err is an *Error with status 400 and msg.
func wantBadRequest(t *testing.T, err error, msg string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *Error %q", err, err, msg)
	}
	if e.Status != http.StatusBadRequest || e.HTTPStatus() != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", e.Status)
	}
	if e.Message != msg || err.Error() != msg {
		t.Errorf("message = %q, want %q", e.Message, msg)
	}
}

func TestDecodeLocalValidationMessages(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file.json")
	if err := os.WriteFile(file, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope")
	body := func(fields string) string { return "{" + fields + "}" }
	okPath := fmt.Sprintf(`"path":%q`, dir)
	cases := []struct {
		name, body, msg string
	}{
		{"not an object", `[1]`, MsgBodyNotObject},
		{"not json", `{`, MsgBodyNotObject},
		{"format missing", body(okPath + `,"search_operation":` + sqlSearch), MsgFormatMissing},
		{"format null", body(`"format":null,` + okPath + `,"search_operation":` + sqlSearch), MsgFormatMissing},
		{"format empty", body(`"format":"",` + okPath + `,"search_operation":` + sqlSearch), MsgFormatMissing},
		{"format xml", body(`"format":"xml",` + okPath + `,"search_operation":` + sqlSearch), MsgFormatInvalid},
		{"format upper case", body(`"format":"JSON",` + okPath + `,"search_operation":` + sqlSearch), MsgFormatInvalid},
		{"format number", body(`"format":1,` + okPath + `,"search_operation":` + sqlSearch), MsgFormatInvalid},
		{"format before path", body(`"format":"xml","search_operation":` + sqlSearch), MsgFormatInvalid},
		{"search missing", body(`"format":"json",` + okPath), MsgSearchOperationMissing},
		{"search not object", body(`"format":"json",` + okPath + `,"search_operation":"sql"`), MsgSearchOperationNotObject},
		{"search without operation", body(`"format":"json",` + okPath + `,"search_operation":{"sql":"SELECT 1"}`), MsgSearchOperationNoOperation},
		{"search describe_all", body(`"format":"json",` + okPath + `,"search_operation":{"operation":"describe_all"}`), MsgSearchOperationInvalid},
		{"search_by_id refused", body(`"format":"json",` + okPath + `,"search_operation":{"operation":"search_by_id"}`), MsgSearchOperationInvalid},
		{"search before path", body(`"format":"json","search_operation":{"operation":"describe_all"}`), MsgSearchOperationInvalid},
		{"path missing", body(`"format":"json","search_operation":` + sqlSearch), MsgPathMissing},
		{"path empty", body(`"format":"json","path":"","search_operation":` + sqlSearch), MsgPathMissing},
		{"path number", body(`"format":"json","path":7,"search_operation":` + sqlSearch), MsgPathNotString},
		{"path does not exist", body(fmt.Sprintf(`"format":"json","path":%q,"search_operation":%s`, missing, sqlSearch)), fmt.Sprintf(MsgPathNotExist, missing)},
		{"path is a file", body(fmt.Sprintf(`"format":"json","path":%q,"search_operation":%s`, file, sqlSearch)), fmt.Sprintf(MsgPathNotDir, file)},
		{"filename with slash", body(`"format":"json",` + okPath + `,"filename":"../x","search_operation":` + sqlSearch), MsgFilenameInvalid},
		{"filename with dotdot", body(`"format":"json",` + okPath + `,"filename":"..","search_operation":` + sqlSearch), MsgFilenameInvalid},
		{"filename with backslash", body(`"format":"json",` + okPath + `,"filename":"a\\b","search_operation":` + sqlSearch), MsgFilenameInvalid},
		{"filename with NUL", body(`"format":"json",` + okPath + `,"filename":"a\u0000b","search_operation":` + sqlSearch), MsgFilenameInvalid},
		{"filename empty", body(`"format":"json",` + okPath + `,"filename":"","search_operation":` + sqlSearch), MsgFilenameInvalid},
		{"filename number", body(`"format":"json",` + okPath + `,"filename":3,"search_operation":` + sqlSearch), MsgFilenameInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeLocal([]byte(tc.body))
			wantBadRequest(t, err, tc.msg)
		})
	}
}

func TestDecodeLocalPinnedHarperMessages(t *testing.T) {
	// HarperDB's exact wording, so a changed constant fails here.
	pinned := map[string]string{
		MsgFormatMissing:                   "format missing",
		MsgFormatInvalid:                   "format invalid. must be one of the following values: json, csv",
		MsgSearchOperationInvalid:          "searchOperation.operation must be one of the following values: search_by_value, search_by_hash, sql, search_by_conditions",
		MsgSearchOperationNoOperation:      "search_operation.operation missing",
		MsgPathMissing:                     "path is missing.",
		fmt.Sprintf(MsgPathNotExist, "/x"): "path '/x' does not exist",
		fmt.Sprintf(MsgPathNotDir, "/x"):   "path '/x' is not a directory, please supply a valid folder path",
		MsgS3Missing:                       "S3 object is missing.",
		MsgAccessKeyMissing:                "aws_access_key_id is missing.",
		MsgSecretKeyMissing:                "aws_secret_access_key is missing.",
		MsgBucketMissing:                   "bucket is missing.",
		MsgKeyMissing:                      "key is missing.",
		MsgRegionMissing:                   "region is missing.",
		MsgLocalJSONDone:                   "Successfully exported JSON locally.",
		MsgLocalCSVDone:                    "Successfully exported CSV locally.",
	}
	for got, want := range pinned {
		if got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	}
}

func TestDecodeLocalValid(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{SearchByValue, SearchByHash, SearchSQL, SearchByConditions} {
		search := fmt.Sprintf(`{"operation":%q,"table":"dogs"}`, kind)
		body := fmt.Sprintf(`{"operation":"export_local","format":"csv","path":%q,"filename":"dogs","search_operation":%s}`, dir+"/", search)
		req, err := DecodeLocal([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if req.Format != FormatCSV || req.Path != dir+"/" || req.Filename != "dogs" || req.Search.Operation != kind {
			t.Errorf("%s: decoded %+v", kind, req)
		}
		if string(req.Search.Body) != search {
			t.Errorf("search body = %s, want %s", req.Search.Body, search)
		}
		if req.FileName() != "dogs.csv" || req.FilePath() != filepath.Join(dir, "dogs.csv") {
			t.Errorf("file = %s, %s", req.FileName(), req.FilePath())
		}
	}
}

func TestDecodeLocalDefaultFilenameIsEpochMillis(t *testing.T) {
	dir := t.TempDir()
	before := time.Now().UnixMilli()
	req, err := DecodeLocal([]byte(fmt.Sprintf(`{"format":"json","path":%q,"filename":null,"search_operation":%s}`, dir, sqlSearch)))
	after := time.Now().UnixMilli()
	if err != nil {
		t.Fatal(err)
	}
	ms, err := strconv.ParseInt(req.Filename, 10, 64)
	if err != nil || ms < before || ms > after {
		t.Fatalf("filename = %q, want epoch ms in [%d, %d]", req.Filename, before, after)
	}
	if !strings.HasSuffix(req.FilePath(), "/"+req.Filename+".json") {
		t.Errorf("path = %s", req.FilePath())
	}
}

func TestDecodeLocalPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	parent := t.TempDir()
	locked := filepath.Join(parent, "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(parent, 0o700) })
	_, err := DecodeLocal([]byte(fmt.Sprintf(`{"format":"json","path":%q,"search_operation":%s}`, locked, sqlSearch)))
	wantBadRequest(t, err, fmt.Sprintf(MsgPathDenied, locked))
}

func TestErrorMessagesAreJSONSafe(t *testing.T) {
	// Messages go into {"error": ...}; a path with quotes must survive.
	_, err := DecodeLocal([]byte(`{"format":"json","path":"/no/such/\"dir\"","search_operation":` + sqlSearch + `}`))
	out, merr := json.Marshal(map[string]string{"error": err.Error()})
	if merr != nil || !strings.Contains(string(out), `path '/no/such/\"dir\"' does not exist`) {
		t.Fatalf("body = %s, %v", out, merr)
	}
}
