package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// opTimeout bounds one `hops op` call.
const opTimeout = 5 * time.Minute

// opMain is `hops op OPERATION [key=value ...]`: a small client for
// scripts and humans. Values that parse as JSON (numbers, true, [..],
// {..}) are sent as such; anything else as a string.
func opMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: hops op OPERATION [key=value ...]")
		return 2
	}
	body := map[string]any{"operation": args[0]}
	for _, kv := range args[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "hops op: %q is not key=value\n", kv)
			return 2
		}
		var j any
		if err := json.Unmarshal([]byte(v), &j); err == nil {
			body[k] = j
		} else {
			body[k] = v
		}
	}
	data, _ := json.Marshal(body)
	url := envOr("HOPS_URL", "http://127.0.0.1:9925")
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		fmt.Fprintln(os.Stderr, "hops op:", err)
		return 1
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(envOr("HOPS_USER", "admin"), os.Getenv("HOPS_PASSWORD"))
	resp, err := (&http.Client{Timeout: opTimeout}).Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hops op:", err)
		return 1
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") == nil {
		out = pretty.Bytes()
	}
	fmt.Println(strings.TrimSpace(string(out)))
	if resp.StatusCode >= 300 {
		fmt.Fprintln(os.Stderr, "hops op: status "+strconv.Itoa(resp.StatusCode))
		return 1
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
