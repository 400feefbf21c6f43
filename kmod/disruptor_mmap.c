// SPDX-License-Identifier: GPL-2.0
/*
 * disruptor_mmap.c - mapping a ring's regions, each with its own rights.
 *
 * One vmalloc_user() block per ring, page-granular, mapped region by region
 * at the offsets struct disruptor_offsets reports:
 *
 *   offset (pages)           region     mapped to userspace
 *   +----------------------+
 *   | 0                    | header     read-only: geometry, claim, dropped,
 *   |                      |            registry (struct disruptor_ring_header)
 *   +----------------------+
 *   | 1                    | consumer 0 read-write through the fd that owns
 *   | 2                    | consumer 1 the consumer, read-only otherwise;
 *   | ...                  | ...        one __u64: the consumer's sequence
 *   | 64                   | consumer 63
 *   +----------------------+
 *   | 65                   | slots      read-only: slot_count slots of
 *   | ...                  |            slot_stride bytes: stamp, payload
 *   +----------------------+
 *
 * Read-only regions are mapped without VM_MAYWRITE, so mprotect() cannot
 * make them writable either; no region is ever executable (VM_MAYEXEC is
 * cleared). A page the program dropped (MADV_DONTNEED) comes back on its
 * next touch: the same page of the block, as for any shared mapping. The
 * kernel writes the header and the slots (stamps included); it only reads
 * consumer pages, through dr_seq_read(), which moves a
 * consumer only forward and never past the claim.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "disruptor_internal.h"

/*
 * A page of the mapping that is not there any more (MADV_DONTNEED zapped
 * it): the block's page at the same offset. mmap checked the region and
 * VM_DONTEXPAND keeps the mapping inside it; the fd the mapping holds keeps
 * the ring, and so the block, alive.
 */
static vm_fault_t drk_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drk_file *f = vma->vm_file->private_data;
	struct drk_ring *ring = smp_load_acquire(&f->ring);	/* pairs with drk_bind() */
	unsigned long pgoff = vma->vm_pgoff + ((vmf->address - vma->vm_start) >> PAGE_SHIFT);
	struct page *page;

	if (!ring || pgoff >= ring->block_size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page(ring->block + (pgoff << PAGE_SHIFT));
	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct drk_vm_ops = {
	.fault = drk_vm_fault,
};

/**
 * drk_mmap() - map one region of the fd's ring.
 * @file: the open device, bound to a ring.
 * @vma: the mapping; vm_pgoff selects the region, which it may not exceed.
 *
 * Return: 0; -ENOTCONN (fd not bound), -EINVAL (not MAP_SHARED, offset not
 * at a region's start, or longer than the region), -EPERM (writable mapping
 * of a read-only region, or an executable one).
 */
int drk_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct drk_file *f = file->private_data;
	struct drk_ring *ring = smp_load_acquire(&f->ring);	/* pairs with drk_bind() */
	const struct disruptor_offsets *off;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long start, region_len;
	bool writable = false;

	if (!ring)
		return -ENOTCONN;
	/*
	 * A private copy of a sequence page would hide the consumer's
	 * progress. VM_MAYSHARE: the core drops VM_SHARED from a shared
	 * mapping of a file opened read-only, which may still map the
	 * read-only regions.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	off = &ring->params.off;
	start = pgoff << PAGE_SHIFT;
	if (start == off->header) {
		region_len = off->header_len;
	} else if (start >= off->consumers &&
		   start < off->consumers + DR_MAX_CONSUMERS * PAGE_SIZE) {
		int index = (start - off->consumers) >> PAGE_SHIFT;

		region_len = PAGE_SIZE;
		writable = drk_file_consumer(f) == index;
	} else if (start == off->slots) {
		region_len = off->slots_len;
	} else {
		return -EINVAL;
	}
	if (len > region_len)
		return -EINVAL;
	/* Nothing in a ring is code. */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYEXEC);
	if (!writable) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	vma->vm_ops = &drk_vm_ops;
	return remap_vmalloc_range(vma, ring->block, pgoff);
}
