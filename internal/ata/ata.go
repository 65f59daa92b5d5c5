// Package ata is the ATA/ATAPI command set as both disk controllers (ide and
// ahci) speak it: command opcodes, SET FEATURES subcommands, task file
// register bits, IDENTIFY (PACKET) DEVICE data and the decoding of a
// command's sector address. It is just enough to share that knowledge; it
// holds no device state and knows neither register transport (task file
// ports or FISes) nor any protocol timing.
package ata

// Command opcodes (ATA/ATAPI-7 volume 1, plus the NCQ pair of ATA8-ACS).
const (
	CmdNOP                 = 0x00
	CmdDeviceReset         = 0x08
	CmdRecalibrate         = 0x10 // 0x10–0x1F (obsolete)
	CmdReadSectors         = 0x20
	CmdReadSectorsNoRetry  = 0x21 // without retries (obsolete)
	CmdReadSectorsExt      = 0x24
	CmdReadDMAExt          = 0x25
	CmdReadMultipleExt     = 0x29
	CmdWriteSectors        = 0x30
	CmdWriteSectorsNoRetry = 0x31
	CmdWriteSectorsExt     = 0x34
	CmdWriteDMAExt         = 0x35
	CmdWriteMultipleExt    = 0x39
	CmdReadVerify          = 0x40
	CmdReadVerifyNoRetry   = 0x41
	CmdReadVerifyExt       = 0x42
	CmdReadFPDMAQueued     = 0x60
	CmdWriteFPDMAQueued    = 0x61
	CmdSeek                = 0x70 // 0x70–0x7F (obsolete)
	CmdExecDiagnostic      = 0x90 // EXECUTE DEVICE DIAGNOSTIC
	CmdInitDevParams       = 0x91 // INITIALIZE DEVICE PARAMETERS
	CmdStandbyImmOld       = 0x94 // ATA-1 opcodes of the power commands
	CmdIdleImmOld          = 0x95
	CmdStandbyOld          = 0x96
	CmdIdleOld             = 0x97
	CmdCheckPowerOld       = 0x98
	CmdSleepOld            = 0x99
	CmdPacket              = 0xA0
	CmdIdentifyPacket      = 0xA1 // IDENTIFY PACKET DEVICE
	CmdReadMultiple        = 0xC4
	CmdWriteMultiple       = 0xC5
	CmdSetMultiple         = 0xC6 // SET MULTIPLE MODE
	CmdReadDMA             = 0xC8
	CmdReadDMANoRetry      = 0xC9
	CmdWriteDMA            = 0xCA
	CmdWriteDMANoRetry     = 0xCB
	CmdStandbyImm          = 0xE0 // STANDBY IMMEDIATE
	CmdIdleImm             = 0xE1 // IDLE IMMEDIATE
	CmdStandby             = 0xE2
	CmdIdle                = 0xE3
	CmdCheckPower          = 0xE5 // CHECK POWER MODE
	CmdSleep               = 0xE6
	CmdFlushCache          = 0xE7
	CmdFlushCacheExt       = 0xEA
	CmdIdentify            = 0xEC // IDENTIFY DEVICE
	CmdSetFeatures         = 0xEF
)

// SET FEATURES subcommands (features register).
const (
	FeatWriteCacheOn  = 0x02
	FeatXferMode      = 0x03 // set transfer mode from the sector count register
	FeatLookaheadOff  = 0x55
	FeatNoRevert      = 0x66 // disable reverting to power-on defaults
	FeatWriteCacheOff = 0x82
	FeatLookaheadOn   = 0xAA
	FeatRevert        = 0xCC // enable reverting to power-on defaults
)

// Transfer mode values of SET FEATURES 03h (sector count register): a mode
// class in bits 7:3, the mode number in bits 2:0.
const (
	XferPIODefault = 0x00 // | 0, or 1 to disable IORDY
	XferPIO        = 0x08 // | mode 0–4
	XferMWDMA      = 0x20 // | mode 0–2
	XferUDMA       = 0x40 // | mode 0–5
)

// Status register bits.
const (
	StatERR  = 0x01
	StatDRQ  = 0x08
	StatDSC  = 0x10 // seek complete (obsolete)
	StatDF   = 0x20 // device fault
	StatDRDY = 0x40
	StatBSY  = 0x80
)

// Error register bits.
const (
	ErrABRT = 0x04 // command aborted
	ErrIDNF = 0x10 // address not found
	ErrUNC  = 0x40 // uncorrectable data
)

// DevLBA is the device register bit that selects LBA (not CHS) addressing.
const DevLBA = 0x40

// Drive defaults both controllers present.
const (
	DefaultHeads = 16 // default CHS translation: heads
	DefaultSPT   = 63 // default CHS translation: sectors per track
	MaxMultiple  = 16 // largest READ/WRITE MULTIPLE block, in sectors
	Firmware     = "1.0"
)

// IsExt reports whether command op takes 48-bit addresses and counts (the
// NCQ commands excepted: their count is in the features register).
func IsExt(op uint8) bool {
	switch op {
	case CmdReadSectorsExt, CmdReadDMAExt, CmdReadMultipleExt, CmdWriteSectorsExt,
		CmdWriteDMAExt, CmdWriteMultipleExt, CmdReadVerifyExt:
		return true
	}
	return false
}

// ValidMultiple reports whether SET MULTIPLE MODE may set n sectors per
// block: a power of two up to MaxMultiple, or 0 to turn the mode off.
func ValidMultiple(n int) bool {
	return n <= MaxMultiple && n&(n-1) == 0
}

// KnownFeature reports whether SET FEATURES subcommand f is one a do86 drive
// accepts (transfer mode, write cache, look-ahead, reverting to defaults).
func KnownFeature(f uint8) bool {
	switch f {
	case FeatXferMode, FeatWriteCacheOn, FeatWriteCacheOff, FeatLookaheadOn,
		FeatLookaheadOff, FeatNoRevert, FeatRevert:
		return true
	}
	return false
}

// ValidXferMode reports whether m is a transfer mode SET FEATURES 03h may
// select: PIO default (0 or 1), PIO 0–4, multiword DMA 0–2 or Ultra DMA 0–5.
func ValidXferMode(m uint8) bool {
	n := m & 7
	switch m &^ 7 {
	case XferPIODefault:
		return n <= 1
	case XferPIO:
		return n <= 4
	case XferMWDMA:
		return n <= 2
	case XferUDMA:
		return n <= 5
	}
	return false
}
