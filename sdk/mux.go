package sdk

import (
	"fmt"
	"sort"
)

// Mux maps operation names to operations. It refuses duplicates: the first
// registration keeps a name.
type Mux struct {
	ops map[string]Operation
}

// NewMux builds a mux from an operation table, refusing empty names,
// missing handlers, unknown access levels and duplicate names.
func NewMux(ops []Operation) (*Mux, error) {
	m := &Mux{ops: make(map[string]Operation, len(ops))}
	for _, op := range ops {
		if err := m.add(op); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Mux) add(op Operation) error {
	switch {
	case op.Name == "":
		return fmt.Errorf("sdk: operation with an empty name")
	case op.Handler == nil:
		return fmt.Errorf("sdk: operation %q has no handler", op.Name)
	case op.Access < AccessSuperUser || op.Access > AccessPermissions:
		return fmt.Errorf("sdk: operation %q has no access level", op.Name)
	}
	if _, dup := m.ops[op.Name]; dup {
		return fmt.Errorf("sdk: operation %q registered twice", op.Name)
	}
	m.ops[op.Name] = op
	return nil
}

// Lookup returns the operation registered under name.
func (m *Mux) Lookup(name string) (Operation, bool) {
	op, ok := m.ops[name]
	return op, ok
}

// Operations returns the table sorted by name.
func (m *Mux) Operations() []Operation {
	out := make([]Operation, 0, len(m.ops))
	for _, op := range m.ops {
		out = append(out, op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
