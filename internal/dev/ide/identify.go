package ide

import (
	"fmt"

	"github.com/do86/do86/internal/ata"
)

// Identity strings of the drives.
const (
	diskModel = "DO86 HARDDISK"
	cdModel   = "DO86 CD-ROM"
)

func (d *drive) serial() string {
	return fmt.Sprintf("DO86-%d%d-%08X", d.ch.index(), d.slot, d.capacityHint())
}

func (d *drive) capacityHint() uint32 {
	if d.disk == nil {
		return 0
	}
	return uint32(d.disk.Sectors())
}

// identify returns the IDENTIFY DEVICE data of an ATA disk.
func (d *drive) identify() []byte {
	return ata.Identify(ata.IdentifyParams{
		Model:        diskModel,
		SerialNumber: d.serial(),
		Firmware:     ata.Firmware,
		Sectors:      d.disk.Sectors(),
		Heads:        d.Heads,
		SPT:          d.SPT,
		Multiple:     d.Multiple,
		XferMode:     d.XferMode,
		Major:        7,
		Parallel:     true,
	}).Bytes()
}

// identifyPacket returns the IDENTIFY PACKET DEVICE data of a CD-ROM drive.
func (d *drive) identifyPacket() []byte {
	return ata.Identify(ata.IdentifyParams{
		Packet:       true,
		Model:        cdModel,
		SerialNumber: d.serial(),
		Firmware:     ata.Firmware,
		XferMode:     d.XferMode,
		Major:        7,
		Parallel:     true,
	}).Bytes()
}
