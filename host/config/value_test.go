package config

import (
	"reflect"
	"testing"
)

func TestFromStringConverts(t *testing.T) {
	port := known.byPath["operationsApi.network.port"]
	cases := []struct {
		k    Key
		in   string
		want any
	}{
		{known.byPath["logging.file"], "Yes", true},
		{known.byPath["logging.file"], "0", false},
		{port, "9925", int64(9925)},
		{port, "null", nil},
		{known.byPath["threads.count"], "8", int64(8)},
		{known.byPath["storage.reclamation.threshold"], "0.4", 0.4},
		{known.byPath["logging.level"], "WARN", "warn"},
		{known.byPath["authentication.cacheTTL"], "500", int64(500)},
		{known.byPath["authentication.cacheTTL"], "1m", "1m"},
		{known.byPath["replication.routes"], `["a","b"]`, []any{"a", "b"}},
		{known.byPath["replication.routes"], "", []any{}},
		{known.byPath["replication.hostname"], "node-1", "node-1"},
		{Key{Path: "families.x.y", Kind: KindAny}, `{"n": 1}`, map[string]any{"n": int64(1)}},
		{Key{Path: "families.x.y", Kind: KindAny}, "plain", "plain"},
	}
	for _, tc := range cases {
		got, err := fromString(tc.k, tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("fromString(%s, %q) = %#v, %v; want %#v", tc.k.Path, tc.in, got, err, tc.want)
		}
	}
	bad := map[string]string{
		"logging.file":               "maybe",
		"operationsApi.network.port": "99999",
		"logging.level":              "loud",
		"threads.count":              "1.5",
		"authentication.cacheTTL":    "later",
		"logging.auditLog":           "null",
	}
	for path, in := range bad {
		if _, err := fromString(known.byPath[path], in); err == nil {
			t.Errorf("fromString(%s, %q) accepted", path, in)
		}
	}
}

func TestCheckValueIsStrict(t *testing.T) {
	port := known.byPath["operationsApi.network.port"]
	if v, err := checkValue(port, float64(9925)); err != nil || v != int64(9925) {
		t.Errorf("JSON number port = %#v, %v", v, err)
	}
	if _, err := checkValue(port, "9925"); err == nil {
		t.Error("a string port was accepted")
	}
	if _, err := checkValue(known.byPath["logging.file"], "true"); err == nil {
		t.Error("a string bool was accepted")
	}
	v, err := checkValue(Key{Path: "families.x", Kind: KindObject}, map[string]any{"a": []any{float64(1), 2.5}})
	if err != nil || !reflect.DeepEqual(v, map[string]any{"a": []any{int64(1), 2.5}}) {
		t.Errorf("object normalised to %#v, %v", v, err)
	}
}
