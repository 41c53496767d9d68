// Package registry maps operation names to what serves them and the
// operation's spec (access level, summary, input schema, job flag). The
// router (host/router) is its one reader on the request path.
//
// Families register what they Describe: each becomes a KindFamily entry
// naming the family. The host registers its own operations (users, roles,
// tokens, jobs, system) as KindLocal entries carrying their in-process
// handler. A name is owned by the first registration: a later family that
// describes the same name is refused that name with a logged reason and
// keeps its other operations. Names are case-sensitive.
package registry

import (
	"fmt"
	"sort"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
)

// Local is an operation the host serves itself.
type Local struct {
	// Op is the operation, with its Handler.
	Op sdk.Operation
	// Public operations run without authentication when the request has
	// none (create_authentication_tokens with a username and password in
	// the body, refresh_operation_token with the refresh token); their
	// handler does its own checks.
	Public bool
}

// Kind says what serves an entry.
type Kind uint8

// Kinds of entries.
const (
	// KindFamily entries are served by a family's process, named by
	// Entry.Family.
	KindFamily Kind = iota + 1
	// KindLocal entries are served in the host process by Entry.Local.
	KindLocal
)

// String names the kind ("family", "local").
func (k Kind) String() string {
	switch k {
	case KindFamily:
		return "family"
	case KindLocal:
		return "local"
	}
	return "unknown"
}

// Entry is one registered operation.
type Entry struct {
	// Op is the spec; its Handler is always nil (see Local).
	Op sdk.Operation
	// Kind says what serves the operation.
	Kind Kind
	// Family is the owner: the family's name for KindFamily, HostFamily
	// for KindLocal.
	Family string
	// Local is the handler of a KindLocal entry; nil for KindFamily.
	Local sdk.Handler
	// Public: see Local.Public.
	Public bool
}

// HostFamily is the owner name of the host's own operations.
const HostFamily = "host"

// Registry is safe for concurrent use; lookups are read-locked only.
type Registry struct {
	log hclog.Logger
	mu  sync.RWMutex
	ops map[string]Entry
}

// New returns an empty registry.
func New(log hclog.Logger) *Registry {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Registry{log: log.Named("registry"), ops: map[string]Entry{}}
}

// AddLocal registers the host's own operations. It returns an error naming
// every refused duplicate.
func (r *Registry) AddLocal(ops []Local) error {
	var refused []string
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range ops {
		if l.Op.Handler == nil {
			return fmt.Errorf("registry: local operation %q has no handler", l.Op.Name)
		}
		op := l.Op
		op.Handler = nil
		if !r.addLocked(Entry{Op: op, Kind: KindLocal, Family: HostFamily, Local: l.Op.Handler, Public: l.Public}) {
			refused = append(refused, l.Op.Name)
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("registry: duplicate host operations %v", refused)
	}
	return nil
}

// AddFamily registers a family's described operations and returns the
// names it refused because another owner has them.
func (r *Registry) AddFamily(family string, ops []sdk.Operation) (refused []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, op := range ops {
		op.Handler = nil
		if !r.addLocked(Entry{Op: op, Kind: KindFamily, Family: family}) {
			refused = append(refused, op.Name)
		}
	}
	return refused
}

func (r *Registry) addLocked(e Entry) bool {
	if prev, dup := r.ops[e.Op.Name]; dup {
		if prev.Kind == KindFamily && prev.Family == e.Family {
			// A family re-registering after a restart keeps its names.
			r.ops[e.Op.Name] = e
			return true
		}
		r.log.Error("operation name already registered; refused", "operation", e.Op.Name,
			"owner", prev.Family, "refused_family", e.Family)
		return false
	}
	r.ops[e.Op.Name] = e
	return true
}

// Lookup returns the entry for an operation name.
func (r *Registry) Lookup(name string) (Entry, bool) {
	r.mu.RLock()
	e, ok := r.ops[name]
	r.mu.RUnlock()
	return e, ok
}

// Operations returns the names a family owns, sorted.
func (r *Registry) Operations(family string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for name, e := range r.ops {
		if e.Family == family {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// All returns every entry, sorted by name.
func (r *Registry) All() []Entry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Entry, 0, len(r.ops))
	for _, e := range r.ops {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Op.Name < out[j].Op.Name })
	return out
}
