package clustering

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// A node that is not trusted retries every second: its refused handshakes
// are logged at ERROR at most once per period, with the count held back.
func TestRefusedHandshakesDoNotFloodTheLog(t *testing.T) {
	var buf bytes.Buffer
	l := newNATSLogger(hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Info}))
	now := time.Unix(0, 0)
	l.hs.now = func() time.Time { return now }
	for i := 0; i < 10; i++ {
		l.Errorf("%s - rid:%d - %s: bad certificate", "127.0.0.1:1", i, handshakeError)
		now = now.Add(time.Second)
	}
	if n := strings.Count(buf.String(), "[ERROR]"); n != 1 {
		t.Fatalf("%d ERROR lines in 10 s, want 1:\n%s", n, buf.String())
	}
	now = now.Add(handshakeLogEvery)
	l.Errorf("%s: bad certificate", handshakeError)
	if !strings.Contains(buf.String(), "similar_errors_not_logged=9") {
		t.Errorf("the held-back count is not logged:\n%s", buf.String())
	}
	l.Errorf("another error")
	if n := strings.Count(buf.String(), "[ERROR]"); n != 3 {
		t.Errorf("other errors must not be throttled:\n%s", buf.String())
	}
}
