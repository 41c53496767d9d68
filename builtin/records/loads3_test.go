package records

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hops-dev/hops/builtin/export/exporter/s3test"
	"github.com/hops-dev/hops/builtin/internal/remote"
)

// putObject stores body under key in the target's bucket.
func putObject(t *testing.T, tg s3test.Target, key, body string) {
	t.Helper()
	c := remote.NewS3Client(remote.S3Target{AccessKeyID: tg.AccessKey, Secret: tg.Secret, Region: s3test.Region,
		Endpoint: tg.Endpoint, ForcePathStyle: true})
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(tg.Bucket), Key: aws.String(key),
		Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func TestImportFromS3(t *testing.T) {
	tg := s3test.NewTarget(t, "AKIDIMPORT", "import-secret-value", "imports")
	putObject(t, tg, "dogs.csv", "id,name,meta\n10,Ten,\"[1,2]\"\n11,Eleven,\n")
	putObject(t, tg, "dogs.json", `[{"id": 12, "name": "Twelve", "meta": "{\"x\":1}"}, {"id": 13, "name": "Thirteen"}]`)
	putObject(t, tg, "bad.json", `[{"id": 14}, 5]`)
	e := newEnv(t, harnessOpts{})
	e.table("db", "dogs")
	s3obj := func(key, secret, endpoint string) map[string]any {
		return map[string]any{"aws_access_key_id": tg.AccessKey, "aws_secret_access_key": secret,
			"bucket": tg.Bucket, "key": key, "region": s3test.Region, "endpoint": endpoint}
	}
	load := func(key string) map[string]any {
		return onDogs("import_from_s3", "s3", s3obj(key, tg.Secret, tg.Endpoint))
	}

	job := e.runLoad(load("dogs.csv"))
	wantJob(t, job, "COMPLETE", "successfully loaded 2 of 2 records")
	if job.Type != "import_from_s3" || strings.Contains(string(job.Body), tg.Secret) {
		t.Errorf("job type %s body %s: the secret must not be kept", job.Type, job.Body)
	}
	wantJob(t, e.runLoad(load("dogs.json")), "COMPLETE", "successfully loaded 2 of 2 records")
	wantJSON(t, e.super(onDogs("search_by_hash", "hash_values", []any{10, 11, 12, 13}, "get_attributes", []string{"id", "name", "meta"})),
		`[{"id":10,"name":"Ten","meta":[1,2]},{"id":11,"name":"Eleven","meta":""},{"id":12,"name":"Twelve","meta":{"x":1}},{"id":13,"name":"Thirteen","meta":null}]`)
	// A JSON element that is not an object: ERROR, nothing written.
	wantJob(t, e.runLoad(load("bad.json")), "ERROR", "malformed JSON: element 2 of the array is not an object")
	wantJSON(t, e.super(onDogs("search_by_hash", "hash_values", []any{14}, "get_attributes", []string{"id"})), `[]`)
	// S3's answers are reported as code and status, never its words.
	wantJob(t, e.runLoad(load("missing.csv")), "ERROR", "S3 refused the download: NoSuchKey (HTTP 404)")
	wantJob(t, e.runLoad(onDogs("import_from_s3", "s3", s3obj("dogs.csv", "wrong-secret", tg.Endpoint))), "ERROR",
		"S3 refused the download: SignatureDoesNotMatch (HTTP 403)")
	// A user who is not a super user may name no endpoint but AWS or an
	// allowed one.
	wantError(t, e.h.Do(t, reader, load("dogs.csv")), 403, MsgS3EndpointNotAllowed)

	allowed := newEnv(t, harnessOpts{section: map[string]any{"noSync": true, "load": map[string]any{"allowedURLs": []string{tg.Endpoint}}}})
	allowed.table("db", "dogs")
	wantJob(t, allowed.runLoadAs(reader, load("dogs.csv")), "COMPLETE", "successfully loaded 2 of 2 records")
}
