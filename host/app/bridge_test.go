package app

import (
	"context"
	"io"
	"testing"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/sdk"
)

// A builtin family's Dispatch body is read without validating the whole
// body first (router.DoTrusted): a body malformed after its operation
// reaches the operation, which validates what it reads; a body without a
// readable operation gets the client's answer. Nothing is a 500.
func TestBuiltinDispatchReadsTheOperationOnly(t *testing.T) {
	reg := registry.New(nil)
	var got []byte
	err := reg.AddLocal([]registry.Local{{Op: sdk.Operation{Name: "probe", Access: sdk.AccessSuperUser,
		Handler: func(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
			got = req.Body
			if err := sdk.ReadFields(req.Body).Err(); err != nil {
				return nil, err
			}
			return sdk.Message("ok"), nil
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{opts: Options{BuiltinFamilies: []string{"records"}}, router: router.New(router.Options{Registry: reg})}
	b := &bridge{family: "records", in: in}
	for body, want := range map[string]int{
		`{"operation":"probe","x":1}`: 200,
		`{"operation":"probe","x":}`:  400, // the operation's own reading refuses it
		`{"operation":"nope","x":}`:   400, // unknown operation
		`{"x":}`:                      400, // Invalid JSON, as for a client
		`{"operation":"pro\u0062e"}`:  200,
		``:                            400,
	} {
		got = nil
		rep, err := b.Dispatch(context.Background(), sdk.Caller{}, []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		text, _ := io.ReadAll(rep.Body)
		if rep.Status != want {
			t.Errorf("%s: %d %s, want %d", body, rep.Status, text, want)
		}
		if body == `{"operation":"probe","x":}` && string(got) != body {
			t.Errorf("%s did not reach the operation (%s)", body, text)
		}
	}
}
