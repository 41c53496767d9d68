package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// defaultOpURL is where `hops op` sends operations without --url or an
// environment variable naming another: the default operations API.
const defaultOpURL = "http://127.0.0.1:9925"

// opTimeout bounds one request of `hops op` (not a --wait, which polls).
const opTimeout = 5 * time.Minute

// opClient is a configured client of one operations API.
type opClient struct {
	url, user, pass string
	http            *http.Client
}

// opFlags are the flags of `hops op`.
type opFlags struct {
	url, user, cacert string
	insecure, wait    bool
}

const opLong = `Send one operation to a running hops and print the answer.

Each key=value becomes a member of the request; a value that parses as JSON
(numbers, true, null, [..], {..}, "..") is sent as that JSON, anything else
as a string:

  hops op describe_table database=dev table=dog
  hops op insert database=dev table=dog 'records=[{"id":1,"name":"Penny"}]'
  hops op export_local format=csv path=/tmp 'search_operation={"operation":"sql","sql":"SELECT * FROM dev.dog"}' --wait

The target and credentials come from the flags, else HarperDB's
CLI_TARGET, CLI_TARGET_USERNAME and CLI_TARGET_PASSWORD, else HOPS_URL,
HOPS_USER and HOPS_PASSWORD; the defaults are ` + defaultOpURL + ` and the user
admin. The password is read only from the environment, so it never shows
in a process list.

--wait follows an operation that starts a job (its answer has a job_id)
with get_job until the job ends: a progress bar on a terminal (percentage
and rate when the job reports its total), plain lines otherwise, all on
stderr; the final job record goes to stdout. The exit status is 1 when the
job ends ERROR.

Exit status: 0 for a 2xx answer (and a COMPLETE job with --wait), 1
otherwise, 2 for a command line that cannot be parsed.`

func newOpCmd() *cobra.Command {
	f := &opFlags{}
	c := &cobra.Command{
		Use:   "op OPERATION [key=value ...]",
		Short: "Send one operation to a running hops",
		Long:  opLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			body, err := opBody(args)
			if err != nil {
				return &exitError{code: exitUsage, msg: err.Error()}
			}
			cl, err := f.client()
			if err != nil {
				return err
			}
			return cl.run(c, body, f.wait)
		},
	}
	fs := c.Flags()
	fs.StringVar(&f.url, "url", "", "operations API URL (default $CLI_TARGET, else $HOPS_URL, else "+defaultOpURL+")")
	fs.StringVar(&f.user, "user", "", "user name (default $CLI_TARGET_USERNAME, else $HOPS_USER, else admin)")
	fs.StringVar(&f.cacert, "cacert", "", "PEM file of the CA that signed the server's certificate (https)")
	fs.BoolVar(&f.insecure, "insecure", false, "do not verify the server's certificate (https)")
	fs.BoolVar(&f.wait, "wait", false, "follow the job the operation starts until it ends")
	return c
}

// opBody builds the request from OPERATION and its key=value arguments.
func opBody(args []string) (map[string]any, error) {
	body := map[string]any{"operation": args[0]}
	for _, kv := range args[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", kv)
		}
		var j any
		if err := json.Unmarshal([]byte(v), &j); err == nil {
			body[k] = j
		} else {
			body[k] = v
		}
	}
	return body, nil
}

// client resolves the target, credentials and TLS settings.
func (f *opFlags) client() (*opClient, error) {
	tlsCfg := &tls.Config{InsecureSkipVerify: f.insecure} //nolint:gosec // --insecure is the operator's explicit choice
	if f.cacert != "" {
		pem, err := os.ReadFile(f.cacert)
		if err != nil {
			return nil, fmt.Errorf("--cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert: %s holds no PEM certificate", f.cacert)
		}
		tlsCfg.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	return &opClient{
		url:  firstSet(f.url, os.Getenv("CLI_TARGET"), os.Getenv("HOPS_URL"), defaultOpURL),
		user: firstSet(f.user, os.Getenv("CLI_TARGET_USERNAME"), os.Getenv("HOPS_USER"), "admin"),
		pass: firstSet(os.Getenv("CLI_TARGET_PASSWORD"), os.Getenv("HOPS_PASSWORD")),
		http: &http.Client{Timeout: opTimeout, Transport: tr},
	}, nil
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// run sends body, prints the answer and, with wait, follows its job.
func (cl *opClient) run(c *cobra.Command, body map[string]any, wait bool) error {
	status, raw, err := cl.post(body)
	if err != nil {
		return err
	}
	var started struct {
		JobID string `json:"job_id"`
	}
	_ = json.Unmarshal(raw, &started)
	if !wait || status >= 300 || started.JobID == "" {
		fmt.Fprintln(c.OutOrStdout(), pretty(raw))
		if status >= 300 {
			return &exitError{code: 1, msg: fmt.Sprintf("status %d", status)}
		}
		if wait {
			fmt.Fprintln(c.ErrOrStderr(), "hops op: --wait: the answer names no job; nothing to follow")
		}
		return nil
	}
	fmt.Fprintln(c.ErrOrStderr(), strings.TrimSpace(firstSet(jsonString(raw, "message"), "job "+started.JobID)))
	return cl.follow(c, started.JobID)
}

// post sends one operation and returns the status and body.
func (cl *opClient) post(body map[string]any) (int, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, cl.url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(cl.user, cl.pass)
	resp, err := cl.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("read the answer: %w", err)
	}
	return resp.StatusCode, out, nil
}

func pretty(raw []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") == nil {
		raw = b.Bytes()
	}
	return strings.TrimSpace(string(raw))
}

func jsonString(raw []byte, key string) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}
