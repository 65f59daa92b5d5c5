package i8237

// WriteMemory moves p from the device into guest memory through channel ch
// (a "write transfer"), honouring the channel's address, count, page,
// direction and auto-init; returns the bytes moved and whether terminal
// count was reached. A masked channel moves nothing; a channel in verify mode
// counts without touching memory.
func (d *DMA) WriteMemory(ch int, p []byte) (n int, tc bool) {
	return d.transfer(ch, p, true)
}

// ReadMemory moves guest memory into p for the device (a "read transfer")
// through channel ch, as WriteMemory does the other way.
func (d *DMA) ReadMemory(ch int, p []byte) (n int, tc bool) {
	return d.transfer(ch, p, false)
}

// Masked reports whether channel ch is masked (or its controller disabled),
// so that a device transfer through it would move nothing.
func (d *DMA) Masked(ch int) bool {
	if ch < 0 || ch > 7 {
		return true
	}
	ctl := &d.C[ch/4]
	return ctl.Mask&(1<<(ch%4)) != 0 || ctl.Command&CommandDisable != 0
}

// transfer moves bytes between p and memory, stopping at the end of p or at
// terminal count. Runs of consecutive addresses go to memory in one call.
func (d *DMA) transfer(chn int, p []byte, toMemory bool) (n int, tc bool) {
	if d.Masked(chn) {
		return 0, false
	}
	ch := &d.Ch[chn]
	ctl := &d.C[chn/4]
	bit := uint8(1) << (chn % 4)
	unit := 1
	if chn >= 4 {
		unit = 2
	}
	verify := ch.Mode&ModeTransferMask == ModeVerify
	down := ch.Mode&ModeDecrement != 0
	var tmp []byte
	for len(p)-n >= unit {
		// Units in this run: bounded by the data, the count and the
		// 64K wrap of the address within its page.
		k := (len(p) - n) / unit
		k = min(k, int(ch.Count)+1)
		if down {
			k = min(k, int(ch.Addr)+1)
		} else {
			k = min(k, 0x10000-int(ch.Addr))
		}
		bytes := k * unit
		lowest := ch.Addr
		if down {
			lowest = ch.Addr - uint16(k-1)
		}
		addr := d.phys(chn, lowest)
		chunk := p[n : n+bytes]
		if !verify {
			if down {
				// Successive units go to falling addresses.
				if cap(tmp) < bytes {
					tmp = make([]byte, bytes)
				}
				tmp = tmp[:bytes]
				if !toMemory {
					d.mem.ReadPhys(addr, tmp)
				}
				for i := 0; i < k; i++ {
					a, b := chunk[i*unit:(i+1)*unit], tmp[(k-1-i)*unit:(k-i)*unit]
					if toMemory {
						copy(b, a)
					} else {
						copy(a, b)
					}
				}
				if toMemory {
					d.mem.WritePhys(addr, tmp)
				}
			} else if toMemory {
				d.mem.WritePhys(addr, chunk)
			} else {
				d.mem.ReadPhys(addr, chunk)
			}
		}
		n += bytes
		if down {
			ch.Addr -= uint16(k)
		} else {
			ch.Addr += uint16(k)
		}
		if k == int(ch.Count)+1 {
			// Terminal count: report it, and either start over from the
			// base registers or mask the channel.
			ctl.Status |= bit
			ctl.Request &^= bit
			if ch.Mode&ModeAutoInit != 0 {
				ch.Addr, ch.Count = ch.BaseAddr, ch.BaseCount
			} else {
				ch.Count = 0xFFFF
				ctl.Mask |= bit
			}
			return n, true
		}
		ch.Count -= uint16(k)
	}
	return n, false
}

// phys is the physical address of channel ch's address register value a.
func (d *DMA) phys(ch int, a uint16) uint32 {
	page := uint32(d.Pages[pageIndex[ch]])
	if ch < 4 {
		return page<<16 | uint32(a)
	}
	// 16-bit channels: word addresses within 128K blocks; page bit 0 unused.
	return (page&0xFE)<<16 | uint32(a)<<1
}
