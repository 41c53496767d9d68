package logging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

type readEntry struct {
	Timestamp string   `json:"timestamp"`
	Thread    string   `json:"thread"`
	Level     string   `json:"level"`
	Tags      []string `json:"tags"`
	Message   string   `json:"message"`
}

// t0 is the time of the first test line; line i is t0 + i seconds.
var t0 = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

// writeTestLog writes lines through hclog itself (text or JSON), one a
// second from t0, in a time zone not UTC so parsing must convert:
// info "line 0", warn "line 1" (module hops.auth, key=value), error
// "line 2" with a multi-line value, debug "line 3", then info ... to n.
func writeTestLog(t *testing.T, jsonFormat bool, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	i := 0
	zone := time.FixedZone("X", 3600)
	l := hclog.New(&hclog.LoggerOptions{Name: "hops", Output: f, Level: hclog.Trace, JSONFormat: jsonFormat,
		TimeFn: func() time.Time { return t0.Add(time.Duration(i) * time.Second).In(zone) }})
	for ; i < n; i++ {
		switch i {
		case 1:
			l.Named("auth").Warn("line 1", "username", "plain", "reason", "wrong credentials")
		case 2:
			l.Error("line 2", "error", errors.New("first\nsecond"))
		case 3:
			l.Debug("line 3")
		default:
			l.Info(fmt.Sprintf("line %d", i))
		}
	}
	return path
}

func readLog(t *testing.T, path string, q ReadQuery) []readEntry {
	t.Helper()
	var buf bytes.Buffer
	if err := ReadLog(path, q, &buf); err != nil {
		t.Fatal(err)
	}
	var out []readEntry
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("answer is not a JSON array of entries: %v\n%s", err, buf.String())
	}
	return out
}

func messages(es []readEntry) string {
	var s []string
	for _, e := range es {
		first, _, _ := strings.Cut(e.Message, "\n")
		first, _, _ = strings.Cut(first, ":")
		s = append(s, strings.Fields(first)[1])
	}
	return strings.Join(s, ",")
}

func TestReadLogEntries(t *testing.T) {
	for _, js := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", js), func(t *testing.T) {
			path := writeTestLog(t, js, 6)
			es := readLog(t, path, ReadQuery{})
			if len(es) != 6 {
				t.Fatalf("%d entries, want 6: %+v", len(es), es)
			}
			want := readEntry{Timestamp: "2026-12-07T02:00:01.000Z", Thread: "hops.auth", Level: "warn", Tags: []string{},
				Message: `line 1 username=plain reason="wrong credentials"`}
			if !js {
				want.Message = `line 1: username=plain reason="wrong credentials"`
			} else {
				want.Message = `line 1 reason="wrong credentials" username=plain`
			}
			if fmt.Sprint(es[1]) != fmt.Sprint(want) {
				t.Fatalf("entry 1 = %+v, want %+v", es[1], want)
			}
			if es[0].Thread != "hops" || es[0].Level != "info" || es[0].Timestamp != "2026-12-07T02:00:00.000Z" {
				t.Fatalf("entry 0 = %+v", es[0])
			}
			if !strings.Contains(es[2].Message, "first") || !strings.Contains(es[2].Message, "second") || es[2].Level != "error" {
				t.Fatalf("multi-line entry = %+v", es[2])
			}
			if messages(es) != "0,1,2,3,4,5" {
				t.Fatalf("order %s", messages(es))
			}
		})
	}
}

// Each selector, alone and together, in both directions.
func TestReadLogSelect(t *testing.T) {
	path := writeTestLog(t, false, 20)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	for _, c := range []struct {
		name string
		q    ReadQuery
		want string
	}{
		{"limit", ReadQuery{Limit: 3}, "0,1,2"},
		{"start", ReadQuery{Start: 17}, "17,18,19"},
		{"start and limit", ReadQuery{Start: 2, Limit: 2}, "2,3"},
		{"desc", ReadQuery{Desc: true, Limit: 3}, "19,18,17"},
		{"desc start", ReadQuery{Desc: true, Start: 18}, "1,0"},
		{"level", ReadQuery{Level: "warn"}, "1"},
		{"level desc", ReadQuery{Level: "info", Desc: true, Limit: 2}, "19,18"},
		{"level absent", ReadQuery{Level: "fatal"}, ""},
		{"from", ReadQuery{From: at(18)}, "18,19"},
		{"until", ReadQuery{Until: at(1)}, "0,1"},
		{"from until", ReadQuery{From: at(5), Until: at(7)}, "5,6,7"},
		{"from until desc", ReadQuery{From: at(5), Until: at(7), Desc: true}, "7,6,5"},
		{"future", ReadQuery{From: at(100)}, ""},
		{"filter message", ReadQuery{Filter: "line 1"}, "1,10,11,12,13,14,15,16,17,18,19"},
		{"filter thread", ReadQuery{Filter: "auth"}, "1"},
		{"filter continuation line", ReadQuery{Filter: "second"}, "2"},
		{"filter timestamp", ReadQuery{Filter: "02:00:07.000Z"}, "7"},
		{"filter level", ReadQuery{Filter: "debug"}, "3"},
		{"all at once", ReadQuery{Level: "info", From: at(4), Until: at(15), Filter: "line 1", Start: 1, Limit: 2}, "11,12"},
		{"all at once desc", ReadQuery{Level: "info", From: at(4), Until: at(15), Filter: "line 1", Start: 1, Limit: 2, Desc: true}, "14,13"},
	} {
		if got := messages(readLog(t, path, c.q)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if es := readLog(t, filepath.Join(t.TempDir(), "none.log"), ReadQuery{}); len(es) != 0 {
		t.Fatalf("a missing file: %v", es)
	}
}

// Backwards, entries are found across chunk boundaries, lines longer
// than a chunk are cut at maxMessageBytes, and lines before the first
// entry are not one.
func TestReadLogChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	var b strings.Builder
	b.WriteString("not an entry\n")
	n := 0
	for b.Len() < 3*readChunk {
		fmt.Fprintf(&b, "2026-12-07T02:00:%02d.%03dZ [INFO]  hops: entry %d%s\n", n/1000%60, n%1000, n, strings.Repeat("x", n%300))
		if n%7 == 0 {
			b.WriteString("  | continued\n")
		}
		n++
	}
	long := strings.Repeat("y", maxMessageBytes+2*readChunk)
	fmt.Fprintf(&b, "2026-12-07T03:00:00.000Z [ERROR] hops: %s\n", long)
	b.WriteString("2026-12-07T03:00:01.000Z [INFO]  hops: last")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fwd := readLog(t, path, ReadQuery{Limit: 1 << 20})
	back := readLog(t, path, ReadQuery{Limit: 1 << 20, Desc: true})
	if len(fwd) != n+2 || len(back) != n+2 {
		t.Fatalf("%d forwards, %d backwards, want %d", len(fwd), len(back), n+2)
	}
	for i := range fwd {
		if fmt.Sprint(fwd[i]) != fmt.Sprint(back[len(back)-1-i]) {
			t.Fatalf("entry %d differs:\n%+v\n%+v", i, fwd[i], back[len(back)-1-i])
		}
	}
	if got := len(fwd[n].Message); got > maxMessageBytes || got < maxMessageBytes-headerProbe {
		t.Fatalf("long line's message is %d bytes, want it cut near %d", got, maxMessageBytes)
	}
	if fwd[n+1].Message != "last" || fwd[0].Message != "entry 0\n  | continued" || !strings.HasSuffix(fwd[7].Message, "\n  | continued") {
		t.Fatalf("entries %+v %+v %+v", fwd[0], fwd[7], fwd[n+1])
	}
}

func TestParseReadTime(t *testing.T) {
	local := func(y, mo, d, h, mi, s int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.Local)
	}
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	for in, want := range map[string]time.Time{
		"2026":                           utc(2026, 1, 1, 0, 0, 0, 0),
		"2026-12":                        utc(2026, 12, 1, 0, 0, 0, 0),
		"2099-01-01":                     utc(2099, 1, 1, 0, 0, 0, 0),
		"2026-12-07T02:53":               local(2026, 12, 7, 2, 53, 0),
		"2026-12-07 02:53:01":            local(2026, 12, 7, 2, 53, 1),
		"2026-12-07T02:53:01.4Z":         utc(2026, 12, 7, 2, 53, 1, 400_000_000),
		"2026-12-07T03:53:01+01:00":      utc(2026, 12, 7, 2, 53, 1, 0),
		"2026-12-07T01:53:01-0100":       utc(2026, 12, 7, 2, 53, 1, 0),
		"2026-12-07T02:53:00.000000001Z": utc(2026, 12, 7, 2, 53, 0, 1),
	} {
		got, err := ParseReadTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseReadTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-13-45", "2026-02-30", "2026-12-07T25:00", "20261207", "2026-W49",
		"2026-341", "2026-12-07T02", "2026-12-07T02:53:01+1", "12345", "true"} {
		if got, err := ParseReadTime(in); err == nil {
			t.Errorf("ParseReadTime(%q) = %v, want an error", in, got)
		}
	}
}

// largeLog writes a text log of about size bytes (cached for the run).
func largeLog(t testing.TB, size int) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("hops-readlog-test-%d-%d.log", os.Getpid(), size))
	if st, err := os.Stat(path); err == nil && st.Size() >= int64(size) {
		return path
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	ts := t0
	for n, written := 0, 0; written < size; n++ {
		k, _ := fmt.Fprintf(w, "%s [INFO]  hops.records: request done: op=insert n=%d user=admin ms=0.%03d\n",
			ts.Format("2006-01-02T15:04:05.000Z0700"), n, n%1000)
		written += k
		ts = ts.Add(time.Millisecond)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Memory is flat: reading a 200 MiB log (32 MiB under -race), from either end, with a limit, or
// through all of it for a filter nothing matches, allocates the same
// bounded amount (the chunk buffers) as reading a 1 MB one, well under
// what one hundredth of the file would take.
func TestReadLogFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 MB file")
	}
	largeSize := 200 << 20
	if raceEnabled {
		largeSize = 32 << 20
	}
	small, large := largeLog(t, 1<<20), largeLog(t, largeSize)
	t.Cleanup(func() { os.Remove(small); os.Remove(large) })
	const bound = 1 << 20 // bytes allocated, against a file of 200 MiB
	for _, c := range []struct {
		name string
		q    ReadQuery
	}{
		{"newest 10", ReadQuery{Desc: true, Limit: 10}},
		{"oldest 10", ReadQuery{Limit: 10}},
		{"a filter nothing matches, forwards", ReadQuery{Filter: "no such text", Limit: 10}},
		{"a filter nothing matches, backwards", ReadQuery{Filter: "no such text", Limit: 10, Desc: true}},
		{"a level nothing has, backwards", ReadQuery{Level: "fatal", Desc: true}},
	} {
		var sink countingWriter
		aSmall := allocated(func() {
			if err := ReadLog(small, c.q, &sink); err != nil {
				t.Fatal(err)
			}
		})
		aLarge := allocated(func() {
			if err := ReadLog(large, c.q, &sink); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: %d bytes allocated for 1 MiB, %d for %d MiB", c.name, aSmall, aLarge, largeSize>>20)
		if aLarge > bound || aLarge > 2*aSmall+64<<10 {
			t.Errorf("%s: %d bytes allocated reading %d MiB (%d for 1 MiB), want flat and under %d", c.name, aLarge, largeSize>>20, aSmall, bound)
		}
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
