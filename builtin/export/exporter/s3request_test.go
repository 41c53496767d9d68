package exporter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// testSecret is a secret access key no output may ever contain.
const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// s3Body builds an export_to_s3 body with the given s3 object.
func s3Body(s3 string) []byte {
	return []byte(`{"operation":"export_to_s3","format":"json","s3":` + s3 + `,"search_operation":` + sqlSearch + `}`)
}

// fullS3 is a complete s3 object.
const fullS3 = `{"aws_access_key_id":"AKIDEXAMPLE","aws_secret_access_key":"` + testSecret + `","bucket":"b","key":"exports/dogs","region":"us-east-1"}`

func TestDecodeS3ValidationMessages(t *testing.T) {
	cases := []struct{ name, body, msg string }{
		{"s3 absent", `{"format":"json","search_operation":` + sqlSearch + `}`, MsgS3Missing},
		{"s3 empty", string(s3Body(`{}`)), MsgS3Missing},
		{"s3 null", string(s3Body(`null`)), MsgS3Missing},
		{"s3 string", string(s3Body(`"s3://b/k"`)), MsgS3Missing},
		{"s3 before format", `{"format":"xml","search_operation":` + sqlSearch + `}`, MsgS3Missing},
		{"access key", string(s3Body(`{"aws_secret_access_key":"s","bucket":"b","key":"k","region":"r"}`)), MsgAccessKeyMissing},
		{"access key empty", string(s3Body(`{"aws_access_key_id":"","aws_secret_access_key":"s","bucket":"b","key":"k","region":"r"}`)), MsgAccessKeyMissing},
		{"secret", string(s3Body(`{"aws_access_key_id":"a","bucket":"b","key":"k","region":"r"}`)), MsgSecretKeyMissing},
		{"secret number", string(s3Body(`{"aws_access_key_id":"a","aws_secret_access_key":5,"bucket":"b","key":"k","region":"r"}`)), MsgSecretKeyMissing},
		{"bucket", string(s3Body(`{"aws_access_key_id":"a","aws_secret_access_key":"s","key":"k","region":"r"}`)), MsgBucketMissing},
		{"key", string(s3Body(`{"aws_access_key_id":"a","aws_secret_access_key":"s","bucket":"b","region":"r"}`)), MsgKeyMissing},
		{"region", string(s3Body(`{"aws_access_key_id":"a","aws_secret_access_key":"s","bucket":"b","key":"k"}`)), MsgRegionMissing},
		{"region bad", string(s3Body(`{"aws_access_key_id":"a","aws_secret_access_key":"s","bucket":"b","key":"k","region":"bad region!"}`)), `Region not accepted: region="bad region!" is not a valid hostname component.`},
		{"format after s3", `{"format":"xml","s3":` + fullS3 + `,"search_operation":` + sqlSearch + `}`, MsgFormatInvalid},
		{"format missing", `{"s3":` + fullS3 + `,"search_operation":` + sqlSearch + `}`, MsgFormatMissing},
		{"search missing", `{"format":"csv","s3":` + fullS3 + `}`, MsgSearchOperationMissing},
		{"search not allowed", `{"format":"csv","s3":` + fullS3 + `,"search_operation":{"operation":"describe_all"}}`, MsgSearchOperationInvalid},
		{"endpoint not url", string(s3Body(strings.TrimSuffix(fullS3, "}") + `,"endpoint":"ftp://x"}`)), MsgEndpointInvalid},
		{"endpoint number", string(s3Body(strings.TrimSuffix(fullS3, "}") + `,"endpoint":1}`)), MsgEndpointInvalid},
		{"path style string", string(s3Body(strings.TrimSuffix(fullS3, "}") + `,"force_path_style":"yes"}`)), MsgForcePathStyleInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeS3([]byte(tc.body), "")
			wantBadRequest(t, err, tc.msg)
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestDecodeS3Valid(t *testing.T) {
	req, err := DecodeS3(s3Body(fullS3), "http://127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	if req.AccessKeyID != "AKIDEXAMPLE" || req.SecretAccessKey.Reveal() != testSecret || req.Bucket != "b" ||
		req.Key != "exports/dogs" || req.Region != "us-east-1" || req.Format != FormatJSON ||
		req.Search.Operation != SearchSQL || req.Endpoint != "http://127.0.0.1:9000" || req.ForcePathStyle {
		t.Fatalf("decoded %#v", req)
	}
	if req.ObjectKey() != "exports/dogs.json" {
		t.Errorf("object key = %s", req.ObjectKey())
	}
	own := strings.TrimSuffix(fullS3, "}") + `,"endpoint":"https://s3.example.com","force_path_style":true}`
	req, err = DecodeS3(s3Body(own), "http://127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	if req.Endpoint != "https://s3.example.com" || !req.ForcePathStyle {
		t.Errorf("endpoint = %q, path style = %v", req.Endpoint, req.ForcePathStyle)
	}
	if req, _ = DecodeS3(s3Body(fullS3), ""); req.Endpoint != "" {
		t.Errorf("no default endpoint: got %q, want AWS (empty)", req.Endpoint)
	}
}

func TestS3RequestNeverPrintsTheSecret(t *testing.T) {
	req, err := DecodeS3(s3Body(fullS3), "http://127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		outputs = append(outputs, fmt.Sprintf(verb, req), fmt.Sprintf(verb, &req),
			fmt.Sprintf(verb, req.SecretAccessKey), fmt.Sprintf(verb, []S3Request{req}))
	}
	outputs = append(outputs, req.String(), req.GoString(), fmt.Sprint(req), fmt.Sprintln(req))
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	nested, _ := json.Marshal(map[string]any{"request": req, "ptr": &req})
	text, _ := req.SecretAccessKey.MarshalText()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("export", "request", req, "secret", req.SecretAccessKey)
	outputs = append(outputs, string(raw), string(nested), string(text), logged.String(), string(req.Redacted()))
	for _, out := range outputs {
		if strings.Contains(out, testSecret) || strings.Contains(out, fmt.Sprintf("%x", testSecret)) {
			t.Fatalf("output leaks the secret: %s", out)
		}
	}
	if !strings.Contains(outputs[0], RedactedText) {
		t.Errorf("%%v output does not show the redaction: %s", outputs[0])
	}
}

func TestS3RequestRedactedForm(t *testing.T) {
	req, err := DecodeS3(s3Body(strings.TrimSuffix(fullS3, "}")+`,"force_path_style":true}`), "http://127.0.0.1:9000")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(req.Redacted(), &got); err != nil {
		t.Fatalf("redacted form is not JSON: %v", err)
	}
	want := map[string]any{
		"format": "json",
		"s3": map[string]any{
			"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": RedactedText,
			"bucket": "b", "key": "exports/dogs", "region": "us-east-1",
			"endpoint": "http://127.0.0.1:9000", "force_path_style": true,
		},
		"search_operation": map[string]any{"operation": "sql", "sql": "SELECT * FROM dev.dogs"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("redacted = %v\nwant       %v", got, want)
	}
}
