// Package fatimg makes and reads hard disk images for tests: an MBR with one
// primary FAT16 partition, as DOS's FDISK and FORMAT would leave a small IDE
// disk, built from the FAT specification ("FAT: General Overview of On-Disk
// Format"), and a reader that finds a file in the root directory and follows
// its cluster chain, to check what a guest wrote.
//
// Just enough for tests: FAT16 only (no FAT12/FAT32), files in the root
// directory only (no subdirectories, no long names), disks small enough for
// the BIOS to address them without CHS translation (at most 1024 cylinders).
package fatimg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// The disk geometry: what the IDE drive reports in IDENTIFY DEVICE and the
// BIOS passes on unchanged for disks of at most 1024 cylinders.
const (
	SectorSize      = 512
	Heads           = 16
	SectorsPerTrack = 63
	// PartitionStart is the partition's first sector: the first track is
	// the MBR's alone, as DOS lays out disks.
	PartitionStart = SectorsPerTrack
	// PartitionType is the MBR system ID of the partition (FAT16, CHS).
	PartitionType = 0x06

	sectorsPerCylinder = Heads * SectorsPerTrack
	maxCylinders       = 1024
)

// FAT layout choices, as FORMAT makes them for hard disks.
const (
	reservedSectors = 1   // the boot sector alone (BPB_RsvdSecCnt)
	numFATs         = 2   // BPB_NumFATs
	rootEntries     = 512 // BPB_RootEntCnt: 16 KiB of root directory
	mediaFixed      = 0xF8
	dirEntrySize    = 32
	volumeID        = 0xD0860086
	minClusters     = 4085  // fewer and the volume is FAT12
	maxClusters     = 65524 // more and it is FAT32
)

// BPB is the BIOS parameter block of the partition's boot sector: the fields
// a DOS reads to find the FATs, the root directory and the data area.
type BPB struct {
	BytesPerSector    uint16
	SectorsPerCluster uint8
	ReservedSectors   uint16
	NumFATs           uint8
	RootEntries       uint16
	// TotalSectors is BPB_TotSec16, or BPB_TotSec32 when that is zero.
	TotalSectors    uint32
	Media           uint8
	FATSize         uint16 // sectors per FAT (BPB_FATSz16)
	SectorsPerTrack uint16
	Heads           uint16
	HiddenSectors   uint32 // sectors before the partition
	VolumeID        uint32
	FSType          string // BS_FilSysType, "FAT16   "
}

// rootDirSectors is the size of the fixed root directory in sectors.
func (b BPB) rootDirSectors() uint32 {
	return (uint32(b.RootEntries)*dirEntrySize + uint32(b.BytesPerSector) - 1) / uint32(b.BytesPerSector)
}

// firstRootSector is the root directory's first sector, from the partition's.
func (b BPB) firstRootSector() uint32 {
	return uint32(b.ReservedSectors) + uint32(b.NumFATs)*uint32(b.FATSize)
}

// firstDataSector is cluster 2's first sector, from the partition's.
func (b BPB) firstDataSector() uint32 {
	return b.firstRootSector() + b.rootDirSectors()
}

// Clusters is the number of data clusters (CountofClusters), which alone
// decides whether a volume is FAT12, FAT16 or FAT32.
func (b BPB) Clusters() uint32 {
	if b.SectorsPerCluster == 0 || b.TotalSectors < b.firstDataSector() {
		return 0
	}
	return (b.TotalSectors - b.firstDataSector()) / uint32(b.SectorsPerCluster)
}

// Image is a hard disk image held in memory.
type Image struct {
	data []byte
	part int64 // byte offset of the partition's boot sector
	bpb  BPB
}

// Cylinders returns the cylinder count the drive reports for a disk of size
// bytes (whole cylinders of Heads*SectorsPerTrack sectors).
func Cylinders(size int64) int {
	return int(size / (sectorsPerCylinder * SectorSize))
}

// New returns a disk image of size bytes (a whole number of sectors) with an
// MBR, one FAT16 partition and an empty root directory. The partition runs
// from PartitionStart to the end of the last cylinder but one: the BIOS keeps
// the last cylinder out of the geometry it reports (INT 13h AH=08h), and DOS
// partitions only what it is told of.
func New(size int64) (*Image, error) {
	if size%SectorSize != 0 {
		return nil, fmt.Errorf("fatimg: size %d is not a whole number of sectors", size)
	}
	cyls := Cylinders(size)
	if cyls > maxCylinders {
		return nil, fmt.Errorf("fatimg: %d MiB is %d cylinders, more than the %d a BIOS reaches untranslated", size>>20, cyls, maxCylinders)
	}
	if cyls < 2 {
		return nil, fmt.Errorf("fatimg: %d bytes is less than two cylinders", size)
	}
	end := uint32(cyls-1) * sectorsPerCylinder // first sector past the partition
	total := end - PartitionStart
	spc := clusterSize(total)
	if spc == 0 {
		return nil, fmt.Errorf("fatimg: a partition of %d sectors is too small for FAT16", total)
	}
	b := BPB{
		BytesPerSector:    SectorSize,
		SectorsPerCluster: spc,
		ReservedSectors:   reservedSectors,
		NumFATs:           numFATs,
		RootEntries:       rootEntries,
		TotalSectors:      total,
		Media:             mediaFixed,
		SectorsPerTrack:   SectorsPerTrack,
		Heads:             Heads,
		HiddenSectors:     PartitionStart,
		VolumeID:          volumeID,
		FSType:            "FAT16   ",
	}
	b.FATSize = fatSize(b)
	if n := b.Clusters(); n < minClusters || n > maxClusters {
		return nil, fmt.Errorf("fatimg: %d clusters is not a FAT16 volume", n)
	}
	im := &Image{data: make([]byte, size), part: PartitionStart * SectorSize, bpb: b}
	im.writeMBR(PartitionStart, end-1)
	im.writeBootSector()
	for i := 0; i < int(b.NumFATs); i++ {
		// FAT[0] holds the media byte, FAT[1] the end-of-chain mark with
		// the clean-shutdown and no-error bits set.
		f := im.fat(i)
		binary.LittleEndian.PutUint16(f[0:], 0xFF00|uint16(b.Media))
		binary.LittleEndian.PutUint16(f[2:], 0xFFFF)
	}
	return im, nil
}

// clusterSize picks sectors per cluster for a FAT16 volume of total sectors,
// as the specification's table for 512-byte sectors does; 0 means too small.
func clusterSize(total uint32) uint8 {
	switch {
	case total <= 8400:
		return 0
	case total <= 32680:
		return 2
	case total <= 262144:
		return 4
	case total <= 524288:
		return 8
	case total <= 1048576:
		return 16
	}
	return 32
}

// fatSize is the specification's computation of BPB_FATSz16: enough FAT
// sectors for every cluster the rest of the volume can hold (it may round up
// by a sector or so, never down).
func fatSize(b BPB) uint16 {
	tmp1 := b.TotalSectors - (uint32(b.ReservedSectors) + b.rootDirSectors())
	tmp2 := 256*uint32(b.SectorsPerCluster) + uint32(b.NumFATs)
	return uint16((tmp1 + tmp2 - 1) / tmp2)
}

// chs encodes sector lba as an MBR CHS address (head, sector and cylinder
// high bits, cylinder low bits).
func chs(lba uint32) [3]byte {
	c := lba / sectorsPerCylinder
	h := lba / SectorsPerTrack % Heads
	s := lba%SectorsPerTrack + 1
	if c > 1023 {
		c, h, s = 1023, Heads-1, SectorsPerTrack
	}
	return [3]byte{byte(h), byte(s) | byte(c>>8)<<6, byte(c)}
}

// bootStub is the code at a boot sector's entry: INT 18h (the BIOS tries the
// next boot device), then halt for good. Neither sector boots anything.
var bootStub = []byte{0xCD, 0x18, 0xF4, 0xEB, 0xFD}

// writeMBR writes sector 0: the stub, a disk signature, and one partition
// entry from sector first to sector last.
func (im *Image) writeMBR(first, last uint32) {
	s := im.data[:SectorSize]
	copy(s, bootStub)
	binary.LittleEndian.PutUint32(s[440:], volumeID) // disk signature
	e := s[446:462]
	e[0] = 0x00 // not active: nothing boots from it
	c := chs(first)
	copy(e[1:4], c[:])
	e[4] = PartitionType
	c = chs(last)
	copy(e[5:8], c[:])
	binary.LittleEndian.PutUint32(e[8:], first)
	binary.LittleEndian.PutUint32(e[12:], last-first+1)
	s[510], s[511] = 0x55, 0xAA
}

// writeBootSector writes the partition's boot sector from im.bpb.
func (im *Image) writeBootSector() {
	b := im.bpb
	s := im.data[im.part : im.part+SectorSize]
	copy(s[0:], []byte{0xEB, 0x3C, 0x90}) // jump over the BPB to offset 62
	copy(s[3:11], "DO86FAT ")
	le := binary.LittleEndian
	le.PutUint16(s[11:], b.BytesPerSector)
	s[13] = b.SectorsPerCluster
	le.PutUint16(s[14:], b.ReservedSectors)
	s[16] = b.NumFATs
	le.PutUint16(s[17:], b.RootEntries)
	if b.TotalSectors < 0x10000 {
		le.PutUint16(s[19:], uint16(b.TotalSectors))
	} else {
		le.PutUint32(s[32:], b.TotalSectors)
	}
	s[21] = b.Media
	le.PutUint16(s[22:], b.FATSize)
	le.PutUint16(s[24:], b.SectorsPerTrack)
	le.PutUint16(s[26:], b.Heads)
	le.PutUint32(s[28:], b.HiddenSectors)
	s[36] = 0x80 // BS_DrvNum: the first hard disk
	s[38] = 0x29 // BS_BootSig: the next three fields are present
	le.PutUint32(s[39:], b.VolumeID)
	copy(s[43:54], "NO NAME    ")
	copy(s[54:62], b.FSType)
	copy(s[62:], bootStub)
	s[510], s[511] = 0x55, 0xAA
}

// Parse reads a disk image: its MBR's first FAT partition and that
// partition's BPB, which must describe a FAT16 volume. The Image uses b.
func Parse(b []byte) (*Image, error) {
	if len(b) < SectorSize || b[510] != 0x55 || b[511] != 0xAA {
		return nil, errors.New("fatimg: no MBR signature in sector 0")
	}
	var start uint32
	for i := 0; i < 4 && start == 0; i++ {
		e := b[446+16*i : 462+16*i]
		switch e[4] {
		case 0x04, 0x06, 0x0E: // FAT16 <32M, FAT16, FAT16 (LBA)
			start = binary.LittleEndian.Uint32(e[8:])
		}
	}
	if start == 0 {
		return nil, errors.New("fatimg: the MBR has no FAT16 partition")
	}
	part := int64(start) * SectorSize
	if part+SectorSize > int64(len(b)) {
		return nil, fmt.Errorf("fatimg: partition at sector %d is past the image's end", start)
	}
	s := b[part : part+SectorSize]
	if s[510] != 0x55 || s[511] != 0xAA {
		return nil, errors.New("fatimg: no boot sector signature in the partition")
	}
	le := binary.LittleEndian
	bpb := BPB{
		BytesPerSector:    le.Uint16(s[11:]),
		SectorsPerCluster: s[13],
		ReservedSectors:   le.Uint16(s[14:]),
		NumFATs:           s[16],
		RootEntries:       le.Uint16(s[17:]),
		TotalSectors:      uint32(le.Uint16(s[19:])),
		Media:             s[21],
		FATSize:           le.Uint16(s[22:]),
		SectorsPerTrack:   le.Uint16(s[24:]),
		Heads:             le.Uint16(s[26:]),
		HiddenSectors:     le.Uint32(s[28:]),
	}
	if bpb.TotalSectors == 0 {
		bpb.TotalSectors = le.Uint32(s[32:])
	}
	if s[38] == 0x29 {
		bpb.VolumeID = le.Uint32(s[39:])
		bpb.FSType = string(s[54:62])
	}
	switch {
	case bpb.BytesPerSector != SectorSize:
		return nil, fmt.Errorf("fatimg: %d bytes per sector", bpb.BytesPerSector)
	case bpb.SectorsPerCluster == 0 || bpb.SectorsPerCluster&(bpb.SectorsPerCluster-1) != 0:
		return nil, fmt.Errorf("fatimg: %d sectors per cluster", bpb.SectorsPerCluster)
	case bpb.NumFATs == 0 || bpb.FATSize == 0 || bpb.ReservedSectors == 0:
		return nil, errors.New("fatimg: the BPB has no FAT")
	case part+int64(bpb.TotalSectors)*SectorSize > int64(len(b)):
		return nil, fmt.Errorf("fatimg: the volume's %d sectors run past the image's end", bpb.TotalSectors)
	}
	if n := bpb.Clusters(); n < minClusters || n > maxClusters {
		return nil, fmt.Errorf("fatimg: %d clusters is not a FAT16 volume", n)
	}
	if uint32(bpb.FATSize)*SectorSize/2 < bpb.Clusters()+2 {
		return nil, fmt.Errorf("fatimg: a FAT of %d sectors is too small for %d clusters", bpb.FATSize, bpb.Clusters())
	}
	return &Image{data: b, part: part, bpb: bpb}, nil
}

// Load reads the disk image file at path (see Parse).
func Load(path string) (*Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// BPB returns the partition's BIOS parameter block.
func (im *Image) BPB() BPB { return im.bpb }

// Bytes returns the whole disk image; it is the Image's own memory.
func (im *Image) Bytes() []byte { return im.data }

// Save writes the disk image to the file at path.
func (im *Image) Save(path string) error {
	return os.WriteFile(path, im.data, 0o644)
}

// sectors returns n sectors of the partition from sector lba on.
func (im *Image) sectors(lba, n uint32) []byte {
	off := im.part + int64(lba)*SectorSize
	return im.data[off : off+int64(n)*SectorSize]
}

// fat returns copy i of the FAT.
func (im *Image) fat(i int) []byte {
	b := im.bpb
	return im.sectors(uint32(b.ReservedSectors)+uint32(i)*uint32(b.FATSize), uint32(b.FATSize))
}

// rootDir returns the fixed root directory region.
func (im *Image) rootDir() []byte {
	return im.sectors(im.bpb.firstRootSector(), im.bpb.rootDirSectors())[:int(im.bpb.RootEntries)*dirEntrySize]
}

// cluster returns data cluster n (n ≥ 2).
func (im *Image) cluster(n uint32) []byte {
	b := im.bpb
	return im.sectors(b.firstDataSector()+(n-2)*uint32(b.SectorsPerCluster), uint32(b.SectorsPerCluster))
}

// clusterBytes is the size of a cluster.
func (im *Image) clusterBytes() int {
	return int(im.bpb.SectorsPerCluster) * SectorSize
}
