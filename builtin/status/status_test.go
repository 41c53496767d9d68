package status

import (
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk/sdktest"
)

func newHarness(t *testing.T) *sdktest.Harness {
	t.Helper()
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return sdktest.New(t, f, sdktest.Options{})
}

func TestDescribeListsTheTable(t *testing.T) {
	h := newHarness(t)
	if h.Description.Name != "status" {
		t.Fatalf("name = %q", h.Description.Name)
	}
	got := map[string]bool{}
	for _, op := range h.Description.Operations {
		got[op.Name] = true
		if op.Access.String() != "super_user" {
			t.Errorf("%s access = %s, want super_user", op.Name, op.Access)
		}
	}
	for _, want := range []string{"set_status", "get_status", "clear_status"} {
		if !got[want] {
			t.Errorf("missing operation %s", want)
		}
	}
}

func TestSetGetClear(t *testing.T) {
	h := newHarness(t)
	r := h.Super(t, map[string]any{"operation": "set_status", "id": "maintenance", "status": "down for tests"})
	if r.Status != 200 {
		t.Fatalf("set: %d %s", r.Status, r.Body)
	}
	var first Record
	r.JSON(t, &first)
	if first.ID != "maintenance" || first.Status != "down for tests" || first.CreatedTime == 0 || first.UpdatedTime != first.CreatedTime {
		t.Fatalf("set answered %+v", first)
	}

	r = h.Super(t, map[string]any{"operation": "set_status", "id": "maintenance", "status": "second"})
	var second Record
	r.JSON(t, &second)
	if second.CreatedTime != first.CreatedTime || second.Status != "second" || second.UpdatedTime < first.UpdatedTime {
		t.Fatalf("overwrite must keep __createdtime__: first %+v second %+v", first, second)
	}

	r = h.Super(t, map[string]any{"operation": "get_status", "id": "maintenance"})
	var got Record
	r.JSON(t, &got)
	if got != second {
		t.Fatalf("get = %+v, want %+v", got, second)
	}

	h.Super(t, map[string]any{"operation": "set_status", "status": "up"})
	r = h.Super(t, map[string]any{"operation": "get_status"})
	var all []Record
	r.JSON(t, &all)
	ids := map[string]string{}
	for _, rec := range all {
		ids[rec.ID] = rec.Status
	}
	if len(all) != 2 || ids["primary"] != "up" || ids["maintenance"] != "second" {
		t.Fatalf("get all = %s", r.Body)
	}

	r = h.Super(t, map[string]any{"operation": "clear_status", "id": "maintenance"})
	if r.Status != 200 || !strings.Contains(string(r.Body), MsgCleared) {
		t.Fatalf("clear: %d %s", r.Status, r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "get_status", "id": "maintenance"})
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != "null" {
		t.Fatalf("get after clear: %d %s", r.Status, r.Body)
	}
	r = h.Super(t, map[string]any{"operation": "clear_status", "id": "maintenance"})
	if r.Status != 200 {
		t.Fatalf("clearing twice: %d %s", r.Status, r.Body)
	}
}

func TestAvailability(t *testing.T) {
	h := newHarness(t)
	for _, v := range []string{"Available", "Unavailable"} {
		if r := h.Super(t, map[string]any{"operation": "set_status", "id": "availability", "status": v}); r.Status != 200 {
			t.Errorf("%s: %d %s", v, r.Status, r.Body)
		}
	}
	r := h.Super(t, map[string]any{"operation": "set_status", "id": "availability", "status": "available"})
	if r.Status != 400 || r.Error() != MsgAvailabilityOnly {
		t.Errorf("lower case: %d %s", r.Status, r.Body)
	}
}

func TestErrors(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("x", maxStatusLength+1)
	cases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"missing status", map[string]any{"operation": "set_status", "id": "primary"}, "'status' is required"},
		{"null status", map[string]any{"operation": "set_status", "status": nil}, "'status' must be a string"},
		{"number status", map[string]any{"operation": "set_status", "status": 5}, "'status' must be a string"},
		{"empty status", map[string]any{"operation": "set_status", "status": ""}, "'status' is not allowed to be empty"},
		{"long status", map[string]any{"operation": "set_status", "status": long}, "'status' length must be less than or equal to 512 characters long"},
		{"bad id", map[string]any{"operation": "set_status", "id": "custom", "status": "x"}, "'id' must be one of [primary, maintenance, availability]"},
		{"number id", map[string]any{"operation": "set_status", "id": 3, "status": "x"}, "'id' must be one of [primary, maintenance, availability]. 'id' must be a string"},
		{"null id", map[string]any{"operation": "set_status", "id": nil, "status": "x"}, "'id' must be one of [primary, maintenance, availability]. 'id' must be a string"},
		{"empty id", map[string]any{"operation": "set_status", "id": "", "status": "x"}, "'id' must be one of [primary, maintenance, availability]. 'id' is not allowed to be empty"},
		{"bad id and no status", map[string]any{"operation": "set_status", "id": "custom"}, "'id' must be one of [primary, maintenance, availability]. 'status' is required"},
		{"cased status is no status", map[string]any{"operation": "set_status", "Status": "up"}, "'status' is required"},
		{"get bad id", map[string]any{"operation": "get_status", "id": "bogus"}, "'id' must be one of [primary, maintenance, availability]"},
		{"clear no id", map[string]any{"operation": "clear_status"}, "'id' is required"},
		{"clear bad id", map[string]any{"operation": "clear_status", "id": "bogus"}, "'id' must be one of [primary, maintenance, availability]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.Super(t, c.body)
			if r.Status != 400 || r.Error() != c.want {
				t.Errorf("got %d %s, want 400 %q", r.Status, r.Body, c.want)
			}
		})
	}
	// A status of exactly the limit is accepted.
	if r := h.Super(t, map[string]any{"operation": "set_status", "status": long[:maxStatusLength]}); r.Status != 200 {
		t.Errorf("512 characters: %d", r.Status)
	}
}

func TestNotPersistedAcrossInstances(t *testing.T) {
	h := newHarness(t)
	h.Super(t, map[string]any{"operation": "set_status", "status": "up"})
	h2 := newHarness(t)
	r := h2.Super(t, map[string]any{"operation": "get_status", "id": "primary"})
	if strings.TrimSpace(string(r.Body)) != "null" {
		t.Fatalf("a new family instance must start empty, got %s", r.Body)
	}
}
