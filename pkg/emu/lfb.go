package emu

import "github.com/do86/do86/internal/core"

// lfb is the core's SVGA linear framebuffer as the VGA device sees it.
type lfb struct{ c *core.Core }

func (l lfb) Size() uint32                    { return l.c.LFBSize() }
func (l lfb) ReadAt(p []byte, off uint32)     { l.c.LFBRead(p, off) }
func (l lfb) WriteAt(p []byte, off uint32)    { l.c.LFBWrite(p, off) }
func (l lfb) Dirty() (lo, hi uint32, ok bool) { return l.c.LFBDirty() }
