package core

// ProtectedMode reports whether the CPU runs in protected mode (CR0.PE).
func (c *Core) ProtectedMode() bool {
	b, _ := c.mem.ReadByte(offProtectedMode)
	return b != 0
}
