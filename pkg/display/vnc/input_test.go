package vnc_test

import (
	"slices"
	"testing"

	"github.com/do86/do86/internal/rfbclient"
	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
)

// keyClient connects a client to a server that sends input to a recorder.
func keyClient(t *testing.T, encs ...int32) (*rfbclient.Client, *recorder) {
	t.Helper()
	hub := display.NewHub()
	hub.Publish(display.NewFrame(64, 48), nil, nil)
	rec := &recorder{}
	addr, _ := startServer(t, hub, rec, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	if len(encs) > 0 {
		cl.SetEncodings(encs...)
		fullUpdate(t, cl)
	}
	return cl, rec
}

type keyEv struct {
	keysym uint32
	down   bool
}

func TestKeyEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []keyEv
		want []string
	}{
		{"A wraps in Shift", []keyEv{{0x41, true}, {0x41, false}},
			[]string{"key 0x2a true", "key 0x1e true", "key 0x2a false", "key 0x1e false"}},
		{"a", []keyEv{{0x61, true}, {0x61, false}},
			[]string{"key 0x1e true", "key 0x1e false"}},
		{"Shift held, A", []keyEv{{0xFFE1, true}, {0x41, true}, {0x41, false}, {0xFFE1, false}},
			[]string{"key 0x2a true", "key 0x1e true", "key 0x1e false", "key 0x2a false"}},
		{"Shift held, / (another layout)", []keyEv{{0xFFE2, true}, {0x2F, true}, {0x2F, false}, {0xFFE2, false}},
			[]string{"key 0x36 true", "key 0x36 false", "key 0x35 true", "key 0x36 true", "key 0x35 false", "key 0x36 false"}},
		{"released after Shift", []keyEv{{0xFFE1, true}, {0x41, true}, {0xFFE1, false}, {0x61, false}},
			[]string{"key 0x2a true", "key 0x1e true", "key 0x2a false", "key 0x1e false"}},
		{"Caps Lock on: A needs no Shift", []keyEv{{0xFFE5, true}, {0xFFE5, false}, {0x41, true}, {0x41, false}},
			[]string{"key 0x3a true", "key 0x3a false", "key 0x1e true", "key 0x1e false"}},
		{"!", []keyEv{{0x21, true}, {0x21, false}},
			[]string{"key 0x2a true", "key 0x2 true", "key 0x2a false", "key 0x2 false"}},
		{"Enter, Right Ctrl, Up, F12", []keyEv{{0xFF0D, true}, {0xFFE4, true}, {0xFF52, true}, {0xFFC9, true}},
			[]string{"key 0x1c true", "key 0xe01d true", "key 0xe048 true", "key 0x58 true"}},
		{"unknown keysym dropped", []keyEv{{0x20AC, true}, {0x20AC, false}, {0x20, true}},
			[]string{"key 0x39 true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, rec := keyClient(t)
			for _, k := range tc.keys {
				cl.Key(k.keysym, k.down)
			}
			if got := rec.wait(t, len(tc.want)); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestType(t *testing.T) {
	cl, rec := keyClient(t)
	cl.Type("a:\n")
	want := []string{"key 0x1e true", "key 0x1e false",
		"key 0x2a true", "key 0x27 true", "key 0x2a false", "key 0x27 false",
		"key 0x1c true", "key 0x1c false"}
	if got := rec.wait(t, len(want)); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestQEMUExtendedKeyEvent(t *testing.T) {
	cl, rec := keyClient(t, rfbclient.EncodingRaw, rfbclient.EncodingQEMUExtendedKeyEvent)
	if !cl.QEMUKeys {
		t.Fatal("server did not acknowledge the QEMU extended key event pseudo-encoding")
	}
	cl.QEMUKey(0x41, 0x1E, true) // 'A' with no Shift: the raw key is all that counts
	cl.QEMUKey(0x41, 0x1E, false)
	cl.QEMUKey(0xFF53, 0xCD, true) // Right arrow: 0xE0 0x4D folded to 0xCD
	cl.QEMUKey(0xFF53, 0xE04D, false)
	cl.QEMUKey(0x61, 0, true) // no keycode: the keysym decides
	want := []string{"key 0x1e true", "key 0x1e false", "key 0xe04d true", "key 0xe04d false", "key 0x1e true"}
	if got := rec.wait(t, len(want)); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestKeysReleasedOnDisconnect(t *testing.T) {
	cl, rec := keyClient(t)
	cl.Key(0xFFE3, true) // Ctrl held
	cl.Pointer(1, 10, 10)
	rec.wait(t, 2)
	cl.Close()
	got := rec.wait(t, 2)
	want := []string{"key 0x1d false", "pointer 10 10 64 48 0 0"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

type ptrEv struct {
	mask uint8
	x, y int
}

func TestPointerEvents(t *testing.T) {
	for _, tc := range []struct {
		name     string
		relative bool
		evs      []ptrEv
		want     []string
	}{
		{"positions on the 64x48 screen, clamped", false, []ptrEv{{0, 10, 10}, {0, 30, 20}, {0, 100, 200}},
			[]string{"pointer 10 10 64 48 0 0", "pointer 30 20 64 48 0 0", "pointer 63 47 64 48 0 0"}},
		{"buttons", false, []ptrEv{{1, 5, 5}, {1 | 4, 6, 5}, {2, 6, 5}, {0, 6, 5}},
			[]string{"pointer 5 5 64 48 0 1", "pointer 6 5 64 48 0 3", "pointer 6 5 64 48 0 4", "pointer 6 5 64 48 0 0"}},
		{"wheel", false, []ptrEv{{8, 5, 5}, {0, 5, 5}, {16, 5, 5}},
			[]string{"pointer 5 5 64 48 -1 0", "pointer 5 5 64 48 0 0", "pointer 5 5 64 48 1 0"}},
		{"relative", true, []ptrEv{{0, 0x7FFF + 3, 0x7FFF - 2}, {1, 0x7FFF, 0x7FFF}},
			[]string{"mouse 3 -2 0 0", "mouse 0 0 0 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cl *rfbclient.Client
			var rec *recorder
			if tc.relative {
				cl, rec = keyClient(t, rfbclient.EncodingRaw, rfbclient.EncodingQEMUPointerMotionChange)
				if !cl.RelativePointer {
					t.Fatal("server did not switch the client to relative motion")
				}
			} else {
				cl, rec = keyClient(t)
			}
			for _, e := range tc.evs {
				cl.Pointer(e.mask, e.x, e.y)
			}
			if got := rec.wait(t, len(tc.want)); !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestPointerModeFollowsGuest: a client that speaks the QEMU pointer
// motion change extension is told to send positions while the guest drives
// an absolute pointer, and motion once it does not.
func TestPointerModeFollowsGuest(t *testing.T) {
	hub := display.NewHub()
	hub.Publish(display.NewFrame(64, 48), nil, nil)
	rec := &recorder{}
	rec.absolute.Store(true)
	addr, _ := startServer(t, hub, rec, vnc.Options{})
	cl := dial(t, addr, rfbclient.Config{})
	cl.SetEncodings(rfbclient.EncodingRaw, rfbclient.EncodingQEMUPointerMotionChange)
	fullUpdate(t, cl)
	if cl.RelativePointer {
		t.Fatal("client switched to relative motion while the guest takes positions")
	}
	cl.Pointer(0, 20, 30)
	if got := rec.wait(t, 1); !slices.Equal(got, []string{"pointer 20 30 64 48 0 0"}) {
		t.Errorf("got %q", got)
	}
	rec.absolute.Store(false)
	hub.Publish(display.NewFrame(64, 48), nil, nil) // something to update
	fullUpdate(t, cl)
	if !cl.RelativePointer {
		t.Fatal("client not switched to relative motion after the guest left its absolute pointer")
	}
	cl.Pointer(0, 0x7FFF+4, 0x7FFF)
	if got := rec.wait(t, 1); !slices.Equal(got, []string{"mouse 4 0 0 0"}) {
		t.Errorf("got %q", got)
	}
}

// The client's clipboard is typed on Ctrl+Shift+V (Ctrl and Shift released
// in the guest first), and never on its own.
func TestPasteKey(t *testing.T) {
	cl, rec := keyClient(t)
	if err := cl.CutText("a\r\n"); err != nil {
		t.Fatal(err)
	}
	// Nothing is typed when the clipboard arrives.
	cl.Key(0x62, true) // b, a marker after the cut text
	if got := rec.wait(t, 1); !slices.Equal(got, []string{"key 0x30 true"}) {
		t.Fatalf("after the clipboard: %q", got)
	}
	cl.Key(0x62, false)
	rec.wait(t, 1)
	for _, k := range []keyEv{{0xFFE3, true}, {0xFFE1, true}, {0x56, true}, {0x56, false}, {0xFFE1, false}, {0xFFE3, false}} {
		cl.Key(k.keysym, k.down)
	}
	want := []string{"key 0x1d true", "key 0x2a true", // Ctrl, Shift pressed
		"key 0x1d false", "key 0x2a false", // released for the paste
		"key 0x1e true", "key 0x1e false", "key 0x1c true", "key 0x1c false", // a, Enter
		"key 0x2a false", "key 0x1d false"} // the user lets go
	if got := rec.wait(t, len(want)); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
