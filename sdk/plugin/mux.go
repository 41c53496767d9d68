package plugin

import (
	"fmt"
	"sort"

	"github.com/hops-dev/hops/sdk"
)

// mux maps a family's operation names to its operations. It refuses
// duplicates: a name means one operation.
type mux struct {
	ops map[string]sdk.Operation
}

// newMux builds a mux from an operation table, refusing empty names,
// missing handlers, unknown access levels and duplicate names.
func newMux(ops []sdk.Operation) (*mux, error) {
	m := &mux{ops: make(map[string]sdk.Operation, len(ops))}
	for _, op := range ops {
		if err := m.add(op); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *mux) add(op sdk.Operation) error {
	switch {
	case op.Name == "":
		return fmt.Errorf("sdk: operation with an empty name")
	case op.Handler == nil:
		return fmt.Errorf("sdk: operation %q has no handler", op.Name)
	case op.Access < sdk.AccessSuperUser || op.Access > sdk.AccessInternal:
		return fmt.Errorf("sdk: operation %q has no access level", op.Name)
	}
	if _, dup := m.ops[op.Name]; dup {
		return fmt.Errorf("sdk: operation %q registered twice", op.Name)
	}
	m.ops[op.Name] = op
	return nil
}

// lookup returns the operation registered under name.
func (m *mux) lookup(name string) (sdk.Operation, bool) {
	op, ok := m.ops[name]
	return op, ok
}

// operations returns the table sorted by name.
func (m *mux) operations() []sdk.Operation {
	out := make([]sdk.Operation, 0, len(m.ops))
	for _, op := range m.ops {
		out = append(out, op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
