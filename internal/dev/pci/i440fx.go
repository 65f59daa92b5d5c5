package pci

import "github.com/do86/do86/internal/pcicfg"

// The i440FX PCI and memory controller (82441FX), the host bridge at 00:00.0.
// Just enough for SeaBIOS: its identity, and the PAM and SMRAM registers the
// firmware programs to make the BIOS area writable and to open its SMM
// window. The registers are stored and reported; whether the machine acts on
// them is its own choice (guest RAM under 1 MiB is always writable RAM in the
// core).

// Identity of the 82441FX.
const (
	I440FXVendor   = 0x8086
	I440FXDevice   = 0x1237
	I440FXRevision = 0x02
)

// i440FX configuration registers.
const (
	RegPAM0  = 0x59 // PAM0: bits 5–4 control 0xF0000–0xFFFFF
	RegPAM6  = 0x5F // PAM1–PAM6 follow PAM0, two 16 KiB segments each
	RegSMRAM = 0x72
)

// PAM attribute bits, per segment (a nibble of a PAM register).
const (
	PAMRead  = 1 << 0 // RE: reads go to DRAM, not to the ROM/PCI
	PAMWrite = 1 << 1 // WE: writes go to DRAM
)

// SMRAM register bits.
const (
	SMRAMOpen     = 1 << 6 // D_OPEN: SMRAM visible outside SMM
	SMRAMClose    = 1 << 5 // D_CLS: data accesses in SMM go to the VGA window
	SMRAMLock     = 1 << 4 // D_LCK: D_OPEN, D_LCK and G_SMRAME become read-only
	SMRAMEnable   = 1 << 3 // G_SMRAME: SMRAM enabled
	SMRAMBaseSeg  = 0x07   // C_BASE_SEG: hard-wired 010, SMRAM at 0xA0000
	smramResetVal = 0x02
)

// I440FX is the host bridge function 00:00.0.
type I440FX struct {
	pcicfg.Config

	// MemoryChanged, when set, is called after the guest changes a PAM or
	// the SMRAM register, so the machine can remap the BIOS area or the
	// SMRAM window if it models them.
	MemoryChanged func()
}

// NewI440FX returns the host bridge in its power-on state.
func NewI440FX() *I440FX {
	h := &I440FX{}
	h.Reset()
	return h
}

// Reset returns the configuration space to its power-on state, SMRAM
// closed. PAM0 says the F-segment reads RAM (0x10): with this CPU core the
// whole first megabyte is always RAM, the BIOS is already there, and SeaBIOS
// must not copy itself over from the ROM.
func (h *I440FX) Reset() {
	h.Config = pcicfg.Config{}
	h.Init(I440FXVendor, I440FXDevice, 0x06, 0x00, 0x00, I440FXRevision)
	h.Writable[RegPAM0] = 0x30 // only the high nibble of PAM0 is implemented
	for r := RegPAM0 + 1; r <= RegPAM6; r++ {
		h.Writable[r] = 0x33
	}
	h.Space[RegSMRAM] = smramResetVal
	h.Space[RegPAM0] = 0x10
}

// ConfigWrite writes the host bridge's space; PAM and SMRAM writes are
// reported through MemoryChanged.
func (h *I440FX) ConfigWrite(reg uint8, size int, v uint32) {
	type memRegs = [RegSMRAM + 1 - RegPAM0]byte
	before := memRegs(h.Space[RegPAM0 : RegSMRAM+1])
	for i := 0; i < size; i++ {
		r := reg + uint8(i)
		b := uint8(v >> (8 * i))
		if r == RegSMRAM {
			h.writeSMRAM(b)
			continue
		}
		h.Config.ConfigWrite(r, 1, uint32(b))
	}
	if before != memRegs(h.Space[RegPAM0:RegSMRAM+1]) && h.MemoryChanged != nil {
		h.MemoryChanged()
	}
}

// writeSMRAM applies the firmware's write to the SMRAM register, honouring
// the lock: once D_LCK is set only D_CLS changes until a reset.
func (h *I440FX) writeSMRAM(b uint8) {
	cur := h.Space[RegSMRAM]
	if cur&SMRAMLock != 0 {
		h.Space[RegSMRAM] = cur&^SMRAMClose | b&SMRAMClose
		return
	}
	nv := b&(SMRAMOpen|SMRAMClose|SMRAMLock|SMRAMEnable) | smramResetVal
	if nv&SMRAMLock != 0 {
		nv &^= SMRAMOpen // locking closes the window
	}
	h.Space[RegSMRAM] = nv
}

// PAM returns the attribute bits (PAMRead, PAMWrite) of the BIOS-area
// segment holding physical address addr; addresses outside 0xC0000–0xFFFFF
// report 0.
func (h *I440FX) PAM(addr uint32) uint8 {
	switch {
	case addr >= 0xF0000 && addr <= 0xFFFFF:
		return h.Space[RegPAM0] >> 4 & 3
	case addr >= 0xC0000 && addr < 0xF0000:
		seg := (addr - 0xC0000) >> 14 // 16 KiB segments, two per register
		r := h.Space[RegPAM0+1+seg/2]
		return r >> (4 * (seg & 1)) & 3
	}
	return 0
}

// SMRAM returns the SMRAM control register.
func (h *I440FX) SMRAM() uint8 { return h.Space[RegSMRAM] }
