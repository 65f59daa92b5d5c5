package debugcon_test

import (
	"bytes"
	"testing"

	"github.com/do86/do86/internal/bus"
	"github.com/do86/do86/internal/dev/debugcon"
)

func TestConsole(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := bus.NewPorts()
	p.MustRegister(debugcon.SeaBIOSPort, 1, debugcon.New(&out), "debugcon")
	p.MustRegister(debugcon.BochsPort, 1, debugcon.New(nil), "e9")

	for _, c := range []byte("SeaBIOS\n") {
		p.Write(0x402, 1, uint32(c))
	}
	p.Write(0x402, 2, 0x4121) // only the low byte is a character
	if got := out.String(); got != "SeaBIOS\n!" {
		t.Errorf("output %q, want %q", got, "SeaBIOS\n!")
	}
	tests := []struct {
		port uint16
		size int
		want uint32
	}{
		{0x402, 1, 0xE9},
		{0x402, 2, 0xFFE9},
		{0xE9, 1, 0xE9},
	}
	for _, tt := range tests {
		if got := p.Read(tt.port, tt.size); got != tt.want {
			t.Errorf("read %#x/%d = %#x, want %#x", tt.port, tt.size, got, tt.want)
		}
	}
	p.Write(0xE9, 1, 'x') // a console without output drops it
}
