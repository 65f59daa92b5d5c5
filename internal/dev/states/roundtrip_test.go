package states_test

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/snapstate"
)

// TestStateRoundTrip puts every device in a state far from power-on through
// its ports, saves it as a snapshot does, loads it into a fresh device wired
// the same way, and checks that the fresh device saves the same state and
// drives its interrupt lines to the same levels.
func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, dev := range devices {
		ra := newRig(t)
		a := dev.build(ra)
		kind, _ := a.StateKind()
		t.Run(kind, func(t *testing.T) {
			ra.t = t
			fresh := normal(t, a, a.SaveState())
			dev.drive(ra, a)
			saved := normal(t, a, a.SaveState())
			if reflect.DeepEqual(saved, fresh) {
				t.Fatal("driving the device left it in its power-on state: the round trip would prove nothing")
			}
			blob, err := snapstate.Save(a)
			if err != nil {
				t.Fatal(err)
			}

			rb := newRig(t)
			b := dev.build(rb)
			if err := snapstate.Load("dev", b, blob); err != nil {
				t.Fatal(err)
			}
			if got := normal(t, b, b.SaveState()); !reflect.DeepEqual(got, saved) {
				t.Fatalf("the loaded device saves\n%+v\nthe original\n%+v", got, saved)
			}
			for n, q := range ra.irqs {
				if q.Level {
					t.Logf("IRQ %d is up", n)
				}
				if got := rb.irqs[n]; q.Level && (got == nil || !got.Level) {
					t.Errorf("IRQ %d is up on the original, not on the loaded device", n)
				}
			}
			for n, q := range rb.irqs {
				if q.Level && (ra.irqs[n] == nil || !ra.irqs[n].Level) {
					t.Errorf("IRQ %d is up on the loaded device, not on the original", n)
				}
			}
		})
	}
}

// normal is a state as a snapshot gives it back: encoded and decoded, so
// that states compare whatever gob does with empty slices and maps.
func normal(t *testing.T, d bus.Stateful, state any) any {
	t.Helper()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(state); err != nil {
		t.Fatal(err)
	}
	s := snapstate.New(d)
	if err := gob.NewDecoder(&b).Decode(s); err != nil {
		t.Fatal(err)
	}
	return s
}
