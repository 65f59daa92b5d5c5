package i8042

// queueLen bounds each queue of bytes the keyboard or the mouse holds for
// the output buffer, so a flood of host input while the guest does not read
// cannot grow memory. (The keyboard keeps its keys to a real keyboard's 16.)
const queueLen = 64

// fifo is a fixed-size byte queue.
type fifo struct {
	buf  [queueLen]byte
	head int
	n    int
}

func (f *fifo) len() int  { return f.n }
func (f *fifo) free() int { return len(f.buf) - f.n }
func (f *fifo) clear()    { f.head, f.n = 0, 0 }

// push appends all of bs, or nothing when they do not all fit (a key's
// sequence or a mouse packet is never cut in half).
func (f *fifo) push(bs ...byte) bool {
	if len(bs) > f.free() {
		return false
	}
	for _, b := range bs {
		f.buf[(f.head+f.n)%len(f.buf)] = b
		f.n++
	}
	return true
}

// pop removes and returns the oldest byte; the queue must not be empty.
func (f *fifo) pop() byte {
	b := f.buf[f.head]
	f.head = (f.head + 1) % len(f.buf)
	f.n--
	return b
}
