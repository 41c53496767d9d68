package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

func TestGreet(t *testing.T) {
	h := sdktest.New(t, newFamily(), sdktest.Options{})
	r := h.Do(t, sdk.Caller{Username: "kyle"}, map[string]any{"operation": "example_greet", "name": "Penny"})
	var got map[string]string
	r.JSON(t, &got)
	if r.Status != 200 || got["message"] != "Hello, Penny!" || got["greeted_by"] != "kyle" {
		t.Fatalf("greet: %d %s", r.Status, r.Body)
	}
	for body, want := range map[string]string{
		`{"operation":"example_greet"}`:                                                       "'name' is required",
		`{"operation":"example_greet","name":""}`:                                             "'name' is not allowed to be empty",
		`{"operation":"example_greet","name":7}`:                                              "'name' must be a string",
		`{"operation":"example_greet","name":"` + strings.Repeat("n", maxNameLength+1) + `"}`: "'name' length must be less than or equal to 100 characters long",
	} {
		if r := h.Super(t, []byte(body)); r.Status != 400 || r.Error() != want {
			t.Errorf("%s: %d %s, want %q", body, r.Status, r.Body, want)
		}
	}
}

func TestConfiguredGreeting(t *testing.T) {
	h := sdktest.New(t, newFamily(), sdktest.Options{Section: map[string]string{"greeting": "Howdy"}})
	r := h.Super(t, map[string]any{"operation": "example_greet", "name": "Harper"})
	if !strings.Contains(string(r.Body), "Howdy, Harper!") {
		t.Fatalf("greeting: %s", r.Body)
	}
}

func reply(status int, body string) *sdk.Reply {
	return &sdk.Reply{Status: status, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(bytes.NewBufferString(body))}
}

func TestStatusReportDispatchesAsTheCaller(t *testing.T) {
	h := sdktest.New(t, newFamily(), sdktest.Options{})
	var gotToken, gotBody string
	h.Host.DispatchFunc = func(_ context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
		gotToken, gotBody = caller.Token, string(body)
		return reply(200, `[{"id":"primary","status":"up"},{"id":"maintenance","status":"x"}]`), nil
	}
	r := h.Super(t, map[string]any{"operation": "example_status_report"})
	var got struct {
		Statuses int      `json:"statuses"`
		IDs      []string `json:"ids"`
		Source   string   `json:"source"`
	}
	r.JSON(t, &got)
	if r.Status != 200 || got.Statuses != 2 || strings.Join(got.IDs, ",") != "maintenance,primary" || got.Source != statusReportSource {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	if gotToken != sdktest.SuperUser.Token || !strings.Contains(gotBody, `"get_status"`) {
		t.Fatalf("dispatched %q as %q", gotBody, gotToken)
	}
}

func TestStatusReportPassesErrorsThrough(t *testing.T) {
	h := sdktest.New(t, newFamily(), sdktest.Options{})
	h.Host.DispatchFunc = func(context.Context, sdk.Caller, []byte) (*sdk.Reply, error) {
		return reply(503, `{"error":"Operation family 'status' is restarting"}`), nil
	}
	r := h.Super(t, map[string]any{"operation": "example_status_report"})
	if r.Status != 503 || r.Error() != "Operation family 'status' is restarting" {
		t.Fatalf("503 must pass through: %d %s", r.Status, r.Body)
	}
}
