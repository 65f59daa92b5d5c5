package ahci

import (
	"fmt"

	"github.com/do86/do86/internal/ata"
)

// diskModel is the model string of the disks.
const diskModel = "DO86 SATA HARDDISK"

// identify returns the 512 bytes of IDENTIFY DEVICE data of the port's disk:
// a SATA disk of 512-byte sectors with LBA48, DMA (Ultra DMA 5 selected),
// NCQ (32 tags) and a write cache that FLUSH CACHE empties.
func (p *Port) identify() []byte {
	sectors := p.disk.Sectors()
	return ata.Identify(ata.IdentifyParams{
		Model:        diskModel,
		SerialNumber: fmt.Sprintf("DO86-AHCI%d-%08X", p.index, uint32(sectors)),
		Firmware:     ata.Firmware,
		Sectors:      sectors,
		Heads:        p.Heads,
		SPT:          p.SPT,
		Multiple:     p.Multiple,
		XferMode:     ata.XferUDMA | 5,
		Major:        8,
		IORDY:        true,
		SATA:         true,
		NCQDepth:     numSlots,
	}).Bytes()
}
