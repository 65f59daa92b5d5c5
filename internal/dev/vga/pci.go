package vga

import "github.com/do86/do86/internal/pcicfg"

// PCI identity of QEMU's standard VGA.
const (
	pciVendor       = 0x1234
	pciDevice       = 0x1111
	pciClassDisplay = 0x03
	pciSubclassVGA  = 0x00
	pciSubsysVendor = 0x1AF4
	pciSubsysID     = 0x1100
	pciRevision     = 0x02

	barPrefetchable = 0x08 // BAR bit 3: prefetchable memory
)

// pciFunction is the VGA's configuration space: BAR0 is the LFB, fixed at
// LFBAddress, prefetchable, sized by the LFB; there is no ROM BAR (the VGA
// BIOS reaches SeaBIOS through fw_cfg).
type pciFunction struct {
	pcicfg.Config
}

// PCI returns the VGA's PCI function, to place at device 2 function 0.
// Every call returns the same function.
func (v *VGA) PCI() pcicfg.Function {
	if v.pciFn == nil {
		v.pciFn = &pciFunction{}
		v.pciFn.init(v.lfb.Size())
	}
	return v.pciFn
}

// init puts the configuration space in its power-on state.
func (f *pciFunction) init(lfbSize uint32) {
	*f = pciFunction{}
	f.Init(pciVendor, pciDevice, pciClassDisplay, pciSubclassVGA, 0, pciRevision)
	f.Space[pcicfg.RegSubsysVendor] = pciSubsysVendor & 0xFF
	f.Space[pcicfg.RegSubsysVendor+1] = pciSubsysVendor >> 8
	f.Space[pcicfg.RegSubsysID] = pciSubsysID & 0xFF
	f.Space[pcicfg.RegSubsysID+1] = pciSubsysID >> 8
	f.SetBAR(0, pcicfg.BAR{Size: lfbSize, Fixed: LFBAddress})
	f.Space[pcicfg.RegBAR0] |= barPrefetchable
}

// ConfigWrite writes the space, keeping BAR0's prefetchable bit.
func (f *pciFunction) ConfigWrite(reg uint8, size int, v uint32) {
	f.Config.ConfigWrite(reg, size, v)
	f.Space[pcicfg.RegBAR0] |= barPrefetchable
}
