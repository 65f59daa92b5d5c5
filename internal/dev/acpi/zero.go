package acpi

// Ranges QEMU's firmware reads that this machine has no events for; give
// each a Zero.
const (
	GPE0Base       = 0xAFE0 // the FADT's GPE0 block: status and enable, 2 bytes each
	GPE0Len        = 4
	PCIHotplugBase = 0xAE00 // PCI hot-plug: up, down, eject, removable slots
	PCIHotplugLen  = 0x14
	CPUHotplugBase = 0xAF00 // CPU hot-plug presence bitmap
	CPUHotplugLen  = 0x20
)

// Zero is a port range that reads 0 and ignores writes: no GPE ever
// pending, no hot-plug event, no removable slot.
type Zero struct{}

// ReadPort returns 0.
func (Zero) ReadPort(off uint16, size int) uint32 { return 0 }

// WritePort ignores the write.
func (Zero) WritePort(off uint16, size int, v uint32) {}
