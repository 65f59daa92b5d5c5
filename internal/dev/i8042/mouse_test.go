package i8042_test

import (
	"testing"

	"github.com/do86/do86/pkg/input"
)

// mouseRig is a rig with the mouse interface on, its answers drained after
// sending setup.
func mouseRig(t *testing.T, setup ...byte) *rig {
	t.Helper()
	r := newRig(t, cbTranslated)
	r.command(0xA8)
	r.toMouse(setup...)
	r.drain()
	return r
}

func TestMouseCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		send []byte
		want []byte
	}{
		{"reset", []byte{0xFF}, []byte{0xFA, 0xAA, 0x00}},
		{"get ID", []byte{0xF2}, []byte{0xFA, 0x00}},
		{"status defaults", []byte{0xE9}, []byte{0xFA, 0x00, 0x02, 100}},
		{"status after setup",
			[]byte{0xF4, 0xE7, 0xE8, 0x03, 0xF3, 40, 0xE9},
			[]byte{0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0x30, 0x03, 40}},
		{"remote mode in status", []byte{0xF0, 0xE9}, []byte{0xFA, 0xFA, 0x40, 0x02, 100}},
		{"defaults", []byte{0xF4, 0xF3, 20, 0xF6, 0xE9}, []byte{0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0x00, 0x02, 100}},
		{"disable", []byte{0xF4, 0xF5, 0xE9}, []byte{0xFA, 0xFA, 0xFA, 0x00, 0x02, 100}},
		{"stream mode", []byte{0xEA}, []byte{0xFA}},
		{"scaling 1:1", []byte{0xE6}, []byte{0xFA}},
		{"wrap mode echoes", []byte{0xEE, 0x12, 0xF2, 0xEC, 0xF2}, []byte{0xFA, 0x12, 0xF2, 0xFA, 0xFA, 0x00}},
		{"read data", []byte{0xEB}, []byte{0xFA, 0x08, 0x00, 0x00}},
		{"unknown", []byte{0xE1}, []byte{0xFE}},
		{"resend", []byte{0xF2, 0xFE}, []byte{0xFA, 0x00, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mouseRig(t)
			r.toMouse(tt.send...)
			r.expect(tt.name, true, tt.want...)
			if r.auxIRQ.Raises != len(tt.want) {
				t.Errorf("IRQ12 raised %d times for %d bytes", r.auxIRQ.Raises, len(tt.want))
			}
			if r.kbdIRQ.Raises != 0 {
				t.Error("a mouse byte raised IRQ1")
			}
		})
	}
}

func TestMouseID(t *testing.T) {
	t.Parallel()
	knock := func(rates ...byte) []byte {
		var bs []byte
		for _, rt := range rates {
			bs = append(bs, 0xF3, rt)
		}
		return bs
	}
	cat := func(parts ...[]byte) []byte {
		var bs []byte
		for _, p := range parts {
			bs = append(bs, p...)
		}
		return bs
	}
	tests := []struct {
		name  string
		setup []byte
		id    byte
	}{
		{"plain", nil, 0},
		{"IntelliMouse", knock(200, 100, 80), 3},
		{"Explorer", knock(200, 100, 80, 200, 200, 80), 4},
		{"Explorer knock alone", knock(200, 200, 80), 0},
		{"wrong order", knock(80, 100, 200), 0},
		{"knock then reset", cat(knock(200, 100, 80), []byte{0xFF}), 0},
		{"knock survives defaults", cat(knock(200, 100, 80), []byte{0xF6}), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mouseRig(t, tt.setup...)
			r.toMouse(0xF2)
			r.expect(tt.name, true, 0xFA, tt.id)
		})
	}
}

func TestMousePackets(t *testing.T) {
	t.Parallel()
	type move struct {
		dx, dy, dz int
		buttons    uint8
	}
	intelli := []byte{0xF3, 200, 0xF3, 100, 0xF3, 80}
	explorer := append(append([]byte{}, intelli...), 0xF3, 200, 0xF3, 200, 0xF3, 80)
	tests := []struct {
		name  string
		setup []byte // before enabling reporting
		moves []move
		want  []byte
	}{
		{"right and down, left button", nil, []move{{5, 3, 0, input.ButtonLeft}},
			[]byte{0x29, 0x05, 0xFD}},
		{"left and up", nil, []move{{-10, -20, 0, 0}},
			[]byte{0x18, 0xF6, 0x14}},
		{"buttons only", nil, []move{{0, 0, 0, input.ButtonRight | input.ButtonMiddle}},
			[]byte{0x0E, 0x00, 0x00}},
		{"nothing changed", nil, []move{{0, 0, 0, 0}}, nil},
		{"large motion split", nil, []move{{600, -300, 0, 0}},
			[]byte{0x08, 0xFF, 0xFF, 0x08, 0xFF, 0x2D, 0x08, 0x5A, 0x00}},
		{"2:1 scaling", []byte{0xE7}, []move{{4, -40, 0, 0}},
			[]byte{0x08, 0x06, 0x50}},
		{"standard mouse ignores wheel", nil, []move{{1, 0, 3, 0}},
			[]byte{0x08, 0x01, 0x00}},
		{"wheel down", intelli, []move{{0, 0, 2, 0}},
			[]byte{0x08, 0x00, 0x00, 0x02}},
		{"wheel up", intelli, []move{{1, 0, -3, 0}},
			[]byte{0x08, 0x01, 0x00, 0xFD}},
		{"explorer wheel and buttons 4, 5", explorer, []move{{0, 0, -1, 0x18}},
			[]byte{0x08, 0x00, 0x00, 0x3F}},
		{"explorer wheel clamped", explorer, []move{{0, 0, 20, 0}},
			[]byte{0x08, 0x00, 0x00, 0x07}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mouseRig(t, append(tt.setup, 0xF4)...)
			for _, m := range tt.moves {
				r.c.Mouse(m.dx, m.dy, m.dz, m.buttons)
			}
			r.expect(tt.name, true, tt.want...)
		})
	}
}

func TestMouseSilent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmds  []byte // controller commands
		mouse []byte // mouse commands
	}{
		{"reporting off", nil, nil},
		{"reporting disabled again", nil, []byte{0xF4, 0xF5}},
		{"remote mode", nil, []byte{0xF4, 0xF0}},
		{"interface disabled", []byte{0xA7}, []byte{0xF4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mouseRig(t, tt.mouse...)
			for _, c := range tt.cmds {
				r.command(c)
			}
			r.c.Mouse(3, 3, 0, input.ButtonLeft)
			r.expect(tt.name, true)
		})
	}
}

func TestMouseRemoteOverflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		dx, dy int
		want   []byte
	}{
		{"within range", 100, -50, []byte{0xFA, 0x08, 0x64, 0x32}},
		{"x over right, y over down", 1000, 300, []byte{0xFA, 0xE8, 0xFF, 0x00}},
		{"x over left, y over up", -1000, -300, []byte{0xFA, 0xD8, 0x00, 0xFF}},
		{"x at -256", -256, 0, []byte{0xFA, 0x18, 0x00, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mouseRig(t, 0xF0)
			r.c.Mouse(tt.dx/2, tt.dy/2, 0, 0) // motion accumulates
			r.c.Mouse(tt.dx-tt.dx/2, tt.dy-tt.dy/2, 0, 0)
			r.toMouse(0xEB)
			r.expect(tt.name, true, tt.want...)
			r.toMouse(0xEB) // and is consumed by the read
			r.expect("second read", true, 0xFA, 0x08, 0x00, 0x00)
		})
	}
}

func TestMouseQueueBounded(t *testing.T) {
	t.Parallel()
	r := mouseRig(t, 0xF4)
	for i := 0; i < 10000; i++ {
		r.c.Mouse(1, 0, 0, 0)
	}
	r.c.Mouse(1000000, 0, 0, 0) // must not loop or grow either
	got := r.drain()
	if len(got) == 0 || len(got) > 65 || len(got)%3 != 0 {
		t.Fatalf("guest read %d bytes after a flood, want whole packets, at most 65 bytes", len(got))
	}
	r.c.Mouse(-1, 0, 0, 0)
	r.expect("after the flood", true, 0x18, 0xFF, 0x00)
}

func TestMouseCommandFlushesPackets(t *testing.T) {
	t.Parallel()
	r := mouseRig(t, 0xF4)
	r.c.Mouse(1, 1, 0, 0) // first byte in the output buffer, two in the mouse
	r.toMouse(0xF5)
	r.expect("packet start, then ACK", true, 0x08|0x20, 0xFA)
}

func TestMouseAndKeyboardInterleave(t *testing.T) {
	t.Parallel()
	r := mouseRig(t, 0xF4)
	r.c.Mouse(1, 0, 0, 0)
	r.c.Key(0x1E, true)
	var kbd, aux []byte
	for _, u := range r.drainUnits() {
		if u.aux {
			aux = append(aux, u.v)
		} else {
			kbd = append(kbd, u.v)
		}
	}
	if string(kbd) != "\x1e" || string(aux) != "\x08\x01\x00" {
		t.Errorf("keyboard % X, mouse % X; want 1E and 08 01 00", kbd, aux)
	}
}
