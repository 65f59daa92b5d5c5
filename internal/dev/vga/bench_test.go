package vga_test

import "testing"

// BenchmarkRenderUnchanged is the cost of a frame when nothing changed.
func BenchmarkRenderUnchanged(b *testing.B) {
	r := newRig(b)
	r.setMode(mode03)
	r.render()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.render()
	}
}

// BenchmarkRenderVBEFull is the cost of redrawing a whole 1024x768x32 frame.
func BenchmarkRenderVBEFull(b *testing.B) {
	r := newRig(b)
	r.vbeMode(1024, 768, 32, lfbOn)
	r.render()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.lfb.guestWrite(0, []byte{byte(i)})
		r.lfb.guestWrite(767*lfbBytes, []byte{byte(i)})
		r.render()
	}
}

// BenchmarkRenderText is the cost of redrawing every cell of 80x25 text.
func BenchmarkRenderText(b *testing.B) {
	r := newRig(b)
	r.setMode(mode03)
	r.render()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.crtc(0x0D, byte(i&1)*80) // scroll by one row and back
		r.render()
	}
}
