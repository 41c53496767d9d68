package clustering

import (
	"net"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func testLogger(t *testing.T) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: t.Name(), Level: hclog.Debug, Output: testWriter{t}})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func TestStartNodePlain(t *testing.T) {
	set := settings{NodeName: "n1", Port: freePort(t), BindHost: "127.0.0.1", Databases: []string{"system"}}
	n, err := startNode(set, nil, t.TempDir(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer n.stop()
}
