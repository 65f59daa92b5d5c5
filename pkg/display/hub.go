package display

import "sync"

// Hub carries frames from the one producer to any number of sinks. Publish
// never waits for a sink: each subscription accumulates the tiles changed
// since it last looked, and a sink that reads rarely simply sees fewer,
// larger updates.
type Hub struct {
	mu    sync.Mutex
	frame *Frame
	text  *TextScreen
	seq   uint64
	subs  map[*Subscription]struct{}
}

// NewHub returns a hub showing nothing yet.
func NewHub() *Hub {
	return &Hub{subs: map[*Subscription]struct{}{}}
}

// Publish makes f the current frame. dirty names the tiles that changed since
// the previous Publish (nil: all of them). text is the text grid in text
// modes, else nil. Publish copies what it needs; the caller keeps f.
func (h *Hub) Publish(f *Frame, dirty *TileSet, text *TextScreen) {
	h.mu.Lock()
	defer h.mu.Unlock()
	resized := h.frame == nil || h.frame.Width != f.Width || h.frame.Height != f.Height
	if resized {
		h.frame = &Frame{Width: f.Width, Height: f.Height, Pix: append([]byte(nil), f.Pix...)}
		dirty = nil
	} else if dirty == nil {
		copy(h.frame.Pix, f.Pix)
	} else {
		stride := f.Stride()
		dirty.Each(f.Width, f.Height, func(x, y, w, th int) {
			for r := y; r < y+th; r++ {
				o := r*stride + x*4
				copy(h.frame.Pix[o:o+w*4], f.Pix[o:o+w*4])
			}
		})
	}
	textChanged := !sameText(h.text, text)
	if textChanged {
		h.text = text.Clone()
	}
	if !resized && !textChanged && dirty != nil && dirty.Empty() {
		return
	}
	h.seq++
	for s := range h.subs {
		if resized || s.dirty == nil || s.dirty.Cols != (f.Width+TileSize-1)/TileSize || s.dirty.Rows != (f.Height+TileSize-1)/TileSize {
			s.dirty = NewTileSet(f.Width, f.Height)
			s.resized = true
			s.dirty.AddAll()
		} else if dirty == nil {
			s.dirty.AddAll()
		} else {
			s.dirty.Union(dirty)
		}
		s.textChanged = s.textChanged || textChanged
		select {
		case s.c <- struct{}{}:
		default:
		}
	}
}

func sameText(a, b *TextScreen) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.Cols != b.Cols || a.Rows != b.Rows || a.CursorX != b.CursorX || a.CursorY != b.CursorY ||
		a.CursorVisible != b.CursorVisible || a.Palette != b.Palette || len(a.Cells) != len(b.Cells) {
		return false
	}
	for i := range a.Cells {
		if a.Cells[i] != b.Cells[i] {
			return false
		}
	}
	return true
}

// Subscription is one sink's view of a Hub.
type Subscription struct {
	h           *Hub
	c           chan struct{}
	dirty       *TileSet
	resized     bool
	textChanged bool
}

// Subscribe returns a new subscription; its first Read sees the whole frame.
func (h *Hub) Subscribe() *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscription{h: h, c: make(chan struct{}, 1), resized: true, textChanged: true}
	if h.frame != nil {
		s.dirty = NewTileSet(h.frame.Width, h.frame.Height)
		s.dirty.AddAll()
		s.c <- struct{}{}
	}
	h.subs[s] = struct{}{}
	return s
}

// C is signalled (without blocking the producer) when something changed.
func (s *Subscription) C() <-chan struct{} { return s.c }

// Update is what a sink reads: the current frame, the tiles changed since its
// previous Read, and whether the size or the text grid changed. The frame and
// text are the hub's own: valid only inside the Read callback.
type Update struct {
	Frame       *Frame
	Dirty       *TileSet
	Resized     bool
	Text        *TextScreen
	TextChanged bool
	Seq         uint64
}

// Read calls fn with the current state and the changes since the last Read,
// then forgets those changes (and a pending signal on C). fn runs with the hub locked: copy or encode,
// don't block. Read returns false (and does not call fn) before the first
// frame.
func (s *Subscription) Read(fn func(u Update)) bool {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.frame == nil {
		return false
	}
	if s.dirty == nil {
		s.dirty = NewTileSet(h.frame.Width, h.frame.Height)
		s.dirty.AddAll()
	}
	fn(Update{Frame: h.frame, Dirty: s.dirty, Resized: s.resized, Text: h.text, TextChanged: s.textChanged, Seq: h.seq})
	s.dirty.Clear()
	s.resized, s.textChanged = false, false
	// Everything signalled so far has been read: drop a pending signal so
	// the sink does not wake for nothing.
	select {
	case <-s.c:
	default:
	}
	return true
}

// Invalidate marks the whole frame as changed for this subscription (a sink
// that lost track, or a client asking for everything).
func (s *Subscription) Invalidate() {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.dirty != nil {
		s.dirty.AddAll()
	}
	s.textChanged = true
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	delete(s.h.subs, s)
	s.h.mu.Unlock()
}
