package ne2k

// Port offsets from the card's base (NE2000 and RTL8029AS alike): the
// DP8390's sixteen registers, then the remote DMA data port and the reset
// port, each decoded over eight addresses.
const (
	DataPort  = 0x10 // remote DMA data port (0x10-0x17)
	ResetPort = 0x18 // reading it resets the card (0x18-0x1F)
	// Ports is how many I/O ports the card occupies.
	Ports = 0x20
)

// The command register, at offset 0 in every page.
const CR = 0x00

// Page 0 registers: the names the DP8390D datasheet gives them for reads
// and for writes (several offsets are one register read, another written).
const (
	CLDA0  = 0x01 // current local DMA address, low (read)
	PSTART = 0x01 // page start of the receive ring (write)
	CLDA1  = 0x02 // current local DMA address, high (read)
	PSTOP  = 0x02 // page stop of the receive ring (write)
	BNRY   = 0x03 // boundary pointer
	TSR    = 0x04 // transmit status (read)
	TPSR   = 0x04 // transmit page start (write)
	NCR    = 0x05 // number of collisions (read)
	TBCR0  = 0x05 // transmit byte count, low (write)
	FIFO   = 0x06 // FIFO (read)
	TBCR1  = 0x06 // transmit byte count, high (write)
	ISR    = 0x07 // interrupt status
	CRDA0  = 0x08 // current remote DMA address, low (read)
	RSAR0  = 0x08 // remote start address, low (write)
	CRDA1  = 0x09 // current remote DMA address, high (read)
	RSAR1  = 0x09 // remote start address, high (write)
	ID0    = 0x0A // RTL8029AS: 8029ID0, 'P' (read)
	RBCR0  = 0x0A // remote byte count, low (write)
	ID1    = 0x0B // RTL8029AS: 8029ID1, 'C' (read)
	RBCR1  = 0x0B // remote byte count, high (write)
	RSR    = 0x0C // receive status (read)
	RCR    = 0x0C // receive configuration (write)
	CNTR0  = 0x0D // frame alignment error tally (read)
	TCR    = 0x0D // transmit configuration (write)
	CNTR1  = 0x0E // CRC error tally (read)
	DCR    = 0x0E // data configuration (write)
	CNTR2  = 0x0F // missed packet tally (read)
	IMR    = 0x0F // interrupt mask (write)
)

// Page 1 registers.
const (
	PAR0 = 0x01 // physical address, 6 bytes at 0x01-0x06
	CURR = 0x07 // current page of the receive ring
	MAR0 = 0x08 // multicast address hash filter, 8 bytes at 0x08-0x0F
)

// Page 2 registers (diagnostic): PSTART, PSTOP, TPSR, RCR, TCR, DCR and IMR
// read back at their page 0 offsets; these are the others.
const (
	RNPP = 0x03 // remote next packet pointer
	LNPP = 0x05 // local next packet pointer
	ACU  = 0x06 // address counter, upper
	ACL  = 0x07 // address counter, lower
)

// Page 3 registers of the RTL8029AS that the card answers.
const (
	ASID0 = 0x0E // 8029ASID0
	ASID1 = 0x0F // 8029ASID1
)

// CR bits.
const (
	CRSTP     = 0x01 // stop
	CRSTA     = 0x02 // start
	CRTXP     = 0x04 // transmit packet
	CRRDRead  = 0x08 // remote DMA: remote read
	CRRDWrite = 0x10 // remote DMA: remote write
	CRRDSend  = 0x18 // remote DMA: send packet
	CRRDAbort = 0x20 // remote DMA: abort/complete
	CRRD      = 0x38 // the remote DMA command field
	CRPS      = 0xC0 // the page select field
)

// ISR and IMR bits.
const (
	ISRPRX = 0x01 // packet received
	ISRPTX = 0x02 // packet transmitted
	ISRRXE = 0x04 // receive error
	ISRTXE = 0x08 // transmit error
	ISROVW = 0x10 // receive buffer ring overwrite warning
	ISRCNT = 0x20 // a tally counter's MSB is set
	ISRRDC = 0x40 // remote DMA complete
	ISRRST = 0x80 // reset status (no interrupt)
)

// DCR bits.
const (
	DCRWTS = 0x01 // word transfer select
	DCRBOS = 0x02 // byte order select: big-endian words
	DCRLAS = 0x04 // long address select
	DCRLS  = 0x08 // loopback select: 1 normal operation
	DCRARM = 0x10 // auto-initialize remote
	DCRFT  = 0x60 // FIFO threshold
)

// TCR bits.
const (
	TCRCRC  = 0x01 // inhibit CRC
	TCRLB   = 0x06 // loopback control: 0 normal operation
	TCRATD  = 0x08 // auto transmit disable
	TCROFST = 0x10 // collision offset enable
)

// RCR bits.
const (
	RCRSEP = 0x01 // save errored packets
	RCRAR  = 0x02 // accept runt packets
	RCRAB  = 0x04 // accept broadcast
	RCRAM  = 0x08 // accept multicast (through the hash filter)
	RCRPRO = 0x10 // promiscuous physical
	RCRMON = 0x20 // monitor mode: check, do not buffer
)

// RSR bits (also the status byte of each packet's header in the ring).
const (
	RSRPRX = 0x01 // packet received intact
	RSRCRC = 0x02 // CRC error
	RSRFAE = 0x04 // frame alignment error
	RSRFO  = 0x08 // FIFO overrun
	RSRMPA = 0x10 // missed packet
	RSRPHY = 0x20 // multicast or broadcast address
	RSRDIS = 0x40 // receiver disabled (monitor mode)
	RSRDFR = 0x80 // deferring
)

// TSR bits.
const (
	TSRPTX = 0x01 // packet transmitted
	TSRCOL = 0x04 // collided
	TSRABT = 0x08 // aborted
	TSRCRS = 0x10 // carrier sense lost
	TSRFU  = 0x20 // FIFO underrun
	TSRCDH = 0x40 // CD heartbeat
	TSROWC = 0x80 // out of window collision
)

// The card's buffer memory and frame limits.
const (
	// MemStart is the remote DMA address of the buffer memory; below it,
	// the station address PROM answers, repeated every 32 bytes.
	MemStart = 0x4000
	// MemSize is the buffer memory: 128 pages of 256 bytes, 0x4000-0xBFFF.
	MemSize = 0x8000
	// MinFrame is the shortest frame kept without RCR.AR (64 bytes on the
	// wire less the 4-byte FCS, which frames here never carry).
	MinFrame = 60
	// MaxFrame is the longest frame the card sends or keeps (1518 less the FCS).
	MaxFrame = 1514
	// headerLen is the ring header before each received frame: status,
	// next page, byte count low and high.
	headerLen = 4
	fcsLen    = 4 // the frame check sequence after a frame in the ring
	pageSize  = 256
)
