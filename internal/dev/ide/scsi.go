package ide

import (
	"encoding/binary"

	"github.com/do86/do86/internal/ata"
)

// SCSI/MMC operation codes the CD-ROM drive knows.
const (
	scsiTEST_UNIT_READY   = 0x00
	scsiREQUEST_SENSE     = 0x03
	scsiINQUIRY           = 0x12
	scsiSTART_STOP_UNIT   = 0x1B
	scsiPREVENT_ALLOW     = 0x1E
	scsiREAD_CAPACITY     = 0x25
	scsiREAD_10           = 0x28
	scsiSEEK_10           = 0x2B
	scsiREAD_TOC          = 0x43
	scsiGET_CONFIGURATION = 0x46
	scsiGET_EVENT_STATUS  = 0x4A
	scsiREAD_DISC_INFO    = 0x51
	scsiMODE_SENSE_10     = 0x5A
	scsiREAD_12           = 0xA8
	scsiSET_CD_SPEED      = 0xBB
	scsiMECHANISM_STATUS  = 0xBD
)

// scsiCommand is how the drive runs one operation code.
type scsiCommand struct {
	needsMedium bool
	run         func(d *drive)
}

var scsiCommands = map[uint8]scsiCommand{
	scsiTEST_UNIT_READY:   {true, (*drive).good},
	scsiREQUEST_SENSE:     {false, (*drive).scsiRequestSense},
	scsiINQUIRY:           {false, (*drive).scsiInquiry},
	scsiSTART_STOP_UNIT:   {false, (*drive).good}, // no tray to move
	scsiPREVENT_ALLOW:     {false, (*drive).good},
	scsiREAD_CAPACITY:     {true, (*drive).scsiReadCapacity},
	scsiREAD_10:           {true, (*drive).scsiRead},
	scsiREAD_12:           {true, (*drive).scsiRead},
	scsiSEEK_10:           {true, (*drive).good},
	scsiREAD_TOC:          {true, (*drive).scsiReadTOC},
	scsiGET_CONFIGURATION: {false, (*drive).scsiGetConfiguration},
	scsiGET_EVENT_STATUS:  {false, (*drive).scsiGetEventStatus},
	scsiREAD_DISC_INFO:    {true, (*drive).scsiReadDiscInfo},
	scsiMODE_SENSE_10:     {false, (*drive).scsiModeSense},
	scsiSET_CD_SPEED:      {false, (*drive).good},
	scsiMECHANISM_STATUS:  {false, (*drive).scsiMechanismStatus},
}

func be16(b []byte) int           { return int(binary.BigEndian.Uint16(b)) }
func be32(b []byte) uint32        { return binary.BigEndian.Uint32(b) }
func put16(b []byte, v int)       { binary.BigEndian.PutUint16(b, uint16(v)) }
func put32(b []byte, v uint32)    { binary.BigEndian.PutUint32(b, v) }
func (d *drive) invalidField()    { d.checkCondition(senseIllegalRequest, 0x24, 0x00) }
func (d *drive) lbaOutOfRange()   { d.checkCondition(senseIllegalRequest, 0x21, 0x00) }
func (d *drive) hasMedium() bool  { return d.disk != nil }
func (d *drive) lastLBA() uint32  { return uint32(d.cdSectors() - 1) }
func (d *drive) scsiAlloc10() int { return be16(d.CDB[7:]) }

// scsiRequestSense reports the sense of the last command (fixed format).
func (d *drive) scsiRequestSense() {
	s := d.Sense
	if d.UnitAttention {
		s, d.UnitAttention = [3]uint8{senseUnitAttention, 0x29, 0x00}, false
	}
	b := make([]byte, 18)
	b[0] = 0x70 // current error, fixed format
	b[2] = s[0]
	b[7] = 10 // additional sense length
	b[12], b[13] = s[1], s[2]
	d.reply(b, int(d.CDB[4]))
}

// scsiInquiry identifies the drive as a removable CD-ROM.
func (d *drive) scsiInquiry() {
	if d.CDB[1]&0x01 != 0 {
		d.invalidField() // no vital product data pages
		return
	}
	b := make([]byte, 36)
	b[0] = 0x05 // CD/DVD device
	b[1] = 0x80 // removable medium
	b[3] = 0x21 // ATAPI, response data format 1
	b[4] = byte(len(b) - 5)
	copy(b[8:16], padded("DO86", 8))
	copy(b[16:32], padded("CD-ROM", 16))
	copy(b[32:36], padded(ata.Firmware, 4))
	d.reply(b, be16(d.CDB[3:]))
}

func padded(s string, n int) []byte {
	b := []byte(s + "                                        ")
	return b[:n]
}

// scsiReadCapacity reports the last sector and the sector size.
func (d *drive) scsiReadCapacity() {
	b := make([]byte, 8)
	put32(b[0:], d.lastLBA())
	put32(b[4:], cdSectorSize)
	d.reply(b, len(b))
}

// scsiRead serves READ(10) and READ(12).
func (d *drive) scsiRead() {
	lba := uint64(be32(d.CDB[2:]))
	n := uint64(be16(d.CDB[7:]))
	if d.CDB[0] == scsiREAD_12 {
		n = uint64(be32(d.CDB[6:]))
	}
	if lba+n > d.cdSectors() {
		d.lbaOutOfRange()
		return
	}
	d.Buf, d.LBA, d.Left = d.Buf[:0], lba, n
	d.sendData()
}

// tocAddr writes a track address as an LBA or as minute/second/frame.
func tocAddr(b []byte, lba uint32, msf bool) {
	if !msf {
		put32(b, lba)
		return
	}
	f := lba + 150 // the 2-second pregap
	b[0], b[1], b[2], b[3] = 0, byte(f/(75*60)), byte(f/75%60), byte(f%75)
}

// scsiReadTOC describes a single-session disc with one data track.
func (d *drive) scsiReadTOC() {
	msf := d.CDB[1]&0x02 != 0
	format := d.CDB[2] & 0x0F
	if format == 0 {
		format = d.CDB[9] >> 6 // the older place of the format
	}
	track := d.CDB[6]
	const control = 0x14 // ADR 1 (position), control 4 (data track)
	var b []byte
	switch format {
	case 0: // the table of contents
		if track > 1 && track != 0xAA {
			d.invalidField()
			return
		}
		b = []byte{0, 0, 1, 1}
		if track <= 1 {
			e := []byte{0, control, 1, 0, 0, 0, 0, 0}
			tocAddr(e[4:], 0, msf)
			b = append(b, e...)
		}
		e := []byte{0, control, 0xAA, 0, 0, 0, 0, 0} // lead-out
		tocAddr(e[4:], uint32(d.cdSectors()), msf)
		b = append(b, e...)
	case 1: // multi-session information: the first track of the last session
		b = []byte{0, 0, 1, 1, 0, control, 1, 0, 0, 0, 0, 0}
		tocAddr(b[8:], 0, msf)
	default:
		d.invalidField()
		return
	}
	put16(b, len(b)-2)
	d.reply(b, d.scsiAlloc10())
}

// Mode pages.
var (
	modePageErrorRecovery = []byte{0x01, 0x0A, 0x00, 0x05, 0, 0, 0, 0, 0x05, 0, 0, 0}
	modePageAudio         = []byte{0x0E, 0x0E, 0x04, 0, 0, 0, 0, 0, 0x01, 0xFF, 0x02, 0xFF, 0, 0, 0, 0}
	modePageCapabilities  = []byte{
		0x2A, 0x14,
		0x00,       // reads CD-ROM only
		0x00,       // writes nothing
		0x71,       // audio play, mode 2 form 1 and 2, multisession
		0x00,       //
		0x29,       // lockable, ejectable, tray mechanism
		0x00,       //
		0x02, 0xC2, // maximum speed 706 kB/s (4x)
		0x01, 0x00, // 256 volume levels
		0x02, 0x00, // 512 KiB buffer
		0x02, 0xC2, // current speed
		0, 0, 0, 0, 0, 0,
	}
)

// scsiModeSense serves MODE SENSE(10) for the pages a CD-ROM drive has.
func (d *drive) scsiModeSense() {
	pc, page := d.CDB[2]>>6, d.CDB[2]&0x3F
	if pc == 3 {
		d.checkCondition(senseIllegalRequest, 0x39, 0x00) // saving parameters not supported
		return
	}
	b := make([]byte, 8) // header, no block descriptors
	switch page {
	case 0x01:
		b = append(b, modePageErrorRecovery...)
	case 0x0E:
		b = append(b, modePageAudio...)
	case 0x2A:
		b = append(b, modePageCapabilities...)
	case 0x3F:
		b = append(b, modePageErrorRecovery...)
		b = append(b, modePageAudio...)
		b = append(b, modePageCapabilities...)
	default:
		d.invalidField()
		return
	}
	put16(b, len(b)-2)
	b[2] = 0x70 // medium type: door closed, no disc
	if d.hasMedium() {
		b[2] = 0x01 // 120 mm CD-ROM, data only
	}
	d.reply(b, d.scsiAlloc10())
}

// scsiGetConfiguration reports the CD-ROM profile and the core features.
func (d *drive) scsiGetConfiguration() {
	rt, start := d.CDB[1]&0x03, be16(d.CDB[2:])
	profile, current := 0, byte(0)
	if d.hasMedium() {
		profile, current = 0x0008, 1
	}
	features := []struct {
		code int
		data []byte // flags byte (version, persistent, current) onwards
	}{
		{0x0000, []byte{0x03, 4, 0x00, 0x08, current, 0}}, // profile list: CD-ROM
		{0x0001, []byte{0x03, 4, 0, 0, 0, 2}},             // core: ATAPI
		{0x0003, []byte{0x03, 4, 0x29, 0, 0, 0}},          // removable medium: tray
		{0x001E, []byte{current, 4, 0x00, 0, 0, 0}},       // CD read
		{0x0100, []byte{0x03, 0}},                         // power management
	}
	b := make([]byte, 8)
	put16(b[6:], profile)
	for _, f := range features {
		if f.code < start || rt == 2 && f.code != start {
			continue
		}
		b = append(b, byte(f.code>>8), byte(f.code))
		b = append(b, f.data...)
	}
	put32(b, uint32(len(b)-4))
	d.reply(b, d.scsiAlloc10())
}

// scsiGetEventStatus answers a polled GET EVENT STATUS NOTIFICATION: media
// events only, and none ever pending.
func (d *drive) scsiGetEventStatus() {
	if d.CDB[1]&0x01 == 0 {
		d.invalidField() // asynchronous notification is not supported
		return
	}
	const mediaClass = 0x10
	var b []byte
	if d.CDB[4]&mediaClass != 0 {
		status := byte(0)
		if d.hasMedium() {
			status = 0x02 // media present
		}
		b = []byte{0, 6, 0x04, mediaClass, 0x00, status, 0, 0}
	} else {
		b = []byte{0, 2, 0x80, mediaClass} // no event available
	}
	d.reply(b, d.scsiAlloc10())
}

// scsiReadDiscInfo describes a finalized single-session CD-ROM.
func (d *drive) scsiReadDiscInfo() {
	if d.CDB[1]&0x07 != 0 {
		d.invalidField() // only the standard disc information
		return
	}
	b := make([]byte, 34)
	put16(b, len(b)-2)
	b[2] = 0x0E // last session complete, disc finalized
	b[3] = 1    // first track
	b[4] = 1    // sessions
	b[5], b[6] = 1, 1
	b[8] = 0x00 // CD-DA or CD-ROM disc
	put32(b[16:], 0xFFFFFFFF)
	put32(b[20:], 0xFFFFFFFF)
	d.reply(b, d.scsiAlloc10())
}

// scsiMechanismStatus reports an idle drive without a changer.
func (d *drive) scsiMechanismStatus() {
	d.reply(make([]byte, 8), be16(d.CDB[8:]))
}
