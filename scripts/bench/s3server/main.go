// Command s3server is the S3 endpoint of scripts/bench/export.sh: gofakes3
// (github.com/johannesboyne/gofakes3, the server the export tests use
// through s3test) on a loopback address, with one bucket, accepting any
// credentials. hops is pointed at it by the request's s3.endpoint,
// HarperDB by AWS_ENDPOINT_URL in its environment.
//
// Uploaded objects are read to their end and then stored empty (-keep
// stores them whole): a benchmark uploads hundreds of megabytes per
// export, and keeping them would only grow this process. Its own memory
// is not counted in the figures; gofakes3 holds a multipart upload's
// parts until it completes.
//
//	s3server -addr 127.0.0.1:19950 -bucket bench
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// readHeaderTimeout bounds a client's request headers; the bodies are
// large and stream for as long as they take.
const readHeaderTimeout = 30 * time.Second

// discarding is s3mem with PutObject storing an empty object after
// reading the whole body.
type discarding struct{ *s3mem.Backend }

// PutObject implements gofakes3.Backend.
func (d discarding) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64,
	cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	n, err := io.Copy(io.Discard, input)
	if err != nil {
		return gofakes3.PutObjectResult{}, fmt.Errorf("read %s/%s: %w", bucket, key, err)
	}
	if size >= 0 && n != size {
		return gofakes3.PutObjectResult{}, fmt.Errorf("%s/%s: read %d bytes of %d", bucket, key, n, size)
	}
	return d.Backend.PutObject(bucket, key, meta, strings.NewReader(""), 0, cond)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:19950", "loopback address to listen on")
	bucket := flag.String("bucket", "bench", "bucket to create")
	keep := flag.Bool("keep", false, "store uploaded objects whole")
	flag.Parse()
	mem := s3mem.New()
	if err := mem.CreateBucket(*bucket); err != nil {
		fmt.Fprintln(os.Stderr, "s3server:", err)
		os.Exit(1)
	}
	var backend gofakes3.Backend = discarding{mem}
	if *keep {
		backend = mem
	}
	srv := &http.Server{Addr: *addr, Handler: gofakes3.New(backend).Server(), ReadHeaderTimeout: readHeaderTimeout}
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "s3server:", err)
		os.Exit(1)
	}
}
