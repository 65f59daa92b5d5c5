package bus

import "fmt"

// Stateful is a device whose state a snapshot keeps.
//
// A device's state is a plain struct of exported fields (its package's
// State type), encoded by field name. The kind names the state for good
// ("i8254", "uart16550"): it never follows a Go type's name. The version
// names the struct's shape and meaning: bump it whenever a field is added,
// removed or renamed, or changes type or meaning. A snapshot whose version
// of a device differs from the running code's is refused, naming the device
// (internal/dev/... tests check that a changed struct comes with a bump).
//
// What is wiring — the IRQ lines, the clock, the media, callbacks — is not
// state: the machine wires a device the same way before it loads a state.
type Stateful interface {
	// StateKind returns the state's stable kind and its version.
	StateKind() (kind string, version int)
	// SaveState returns a pointer to a new State holding the device's
	// state; the device keeps no reference to it.
	SaveState() any
	// LoadState restores a state of the device's own kind and version,
	// given as a pointer of the type SaveState returns, and drives the
	// device's interrupt outputs to the saved levels.
	LoadState(state any) error
}

// StateAs returns the state handed to LoadState as a *T, or an error
// naming kind when it is anything else (a machine bug, never a guest's).
func StateAs[T any](kind string, state any) (*T, error) {
	s, ok := state.(*T)
	if !ok || s == nil {
		var want *T
		return nil, fmt.Errorf("%s: LoadState given %T, want %T", kind, state, want)
	}
	return s, nil
}

// SetLevel drives irq to level: the one line of every LoadState that puts
// an interrupt output back where a snapshot found it.
func SetLevel(irq IRQ, level bool) {
	if irq == nil {
		return
	}
	if level {
		irq.Raise()
	} else {
		irq.Lower()
	}
}
