package usernet

import "sync"

// queue holds the frames waiting for the card, up to max bytes: a frame
// that would pass the bound is dropped, as a switch port drops what its
// buffer cannot hold. The network's reader pushes; the emulation goroutine
// peeks and pops.
type queue struct {
	mu      sync.Mutex
	frames  [][]byte
	head    int
	bytes   int
	max     int
	dropped uint64
}

// push appends f, reporting false when it was dropped.
func (q *queue) push(f []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.bytes+len(f) > q.max {
		q.dropped++
		return false
	}
	if q.head > 0 && q.head == len(q.frames) {
		q.frames, q.head = q.frames[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.frames) {
		q.frames = append(q.frames[:0], q.frames[q.head:]...)
		q.head = 0
	}
	q.frames = append(q.frames, f)
	q.bytes += len(f)
	return true
}

// peek returns the oldest frame, or nil.
func (q *queue) peek() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.frames) {
		return nil
	}
	return q.frames[q.head]
}

// pop removes the oldest frame.
func (q *queue) pop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.frames) {
		return
	}
	q.bytes -= len(q.frames[q.head])
	q.frames[q.head] = nil
	q.head++
}

// droppedCount returns how many frames push dropped.
func (q *queue) droppedCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}
