// SPDX-License-Identifier: GPL-2.0
/*
 * kstack.ko: /dev/kstack hands a privileged user-space walker what it
 * cannot get elsewhere: a sleeping thread's saved kernel context, guarded
 * reads of kernel stacks/text/rodata, and the kernel's own unwind of a
 * thread as an oracle. The Windows driver (driver/windows) answers the same
 * protocol (include/kstack/kstack_ioctl.h), so one client speaks to both.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/utsname.h>
#include <linux/version.h>
#include <linux/sched/task_stack.h>
#include <asm/switch_to.h>
#include "kstack.h"

/*
 * The node's mode: 0600 (root only) unless an admin hands the device to a
 * group (modprobe kstack group=GID mode=0660, kstack_access.c; the
 * packaged udev rule gives /dev/kstack that group). Read-only once loaded:
 * the udev rule reads it from /sys/module/kstack/parameters.
 */
static unsigned short mode = 0600;
static int kstack_mode_get(char *buf, const struct kernel_param *kp)
{
	/* octal, as chmod and udev's MODE= read it */
	return sysfs_emit(buf, "%04o\n", *(unsigned short *)kp->arg);
}

static const struct kernel_param_ops kstack_mode_ops = {
	.set = param_set_ushort,	/* base 0: "0660" is octal */
	.get = kstack_mode_get,
};
module_param_cb(mode, &kstack_mode_ops, &mode, 0444);
MODULE_PARM_DESC(mode, "/dev/kstack's mode, owner and group bits only (default 0600)");

/*
 * Root only unless the admin chose a group: READ_MEMORY exposes kernel
 * stacks and text (defeating KASLR) and THREAD_CONTEXT any thread's kernel
 * state, like /proc/PID/stack, which is CAP_SYS_ADMIN-only for the same
 * reason. Checked here and again at every request (kstack_access.c): an
 * open fd is no credential.
 */
static int kstack_open(struct inode *inode, struct file *file)
{
	return kstack_caller_allowed();
}

static long kstack_version(void __user *uarg)
{
	struct kstack_version v;
	int ret;

	ret = kstack_req_in(&v, sizeof(v), sizeof(v), uarg);
	if (ret)
		return ret;
	v.proto_version = KSTACK_PROTO_VERSION;
	v.driver_version = KSTACK_DRIVER_VERSION;
	v.arch = KSTACK_ARCH_X86_64;
	v.caps = kstack_mem_caps() | KSTACK_CAP_THREAD_CONTEXT | KSTACK_CAP_STACK |
		 KSTACK_CAP_SNAPSHOT | KSTACK_CAP_SYMBOLIZE | KSTACK_CAP_SNAP_TAIL |
		 KSTACK_CAP_SNAP_DENIED | KSTACK_CAP_SNAP_MM_ID |
		 KSTACK_CAP_USER_MAPS | KSTACK_CAP_CATCH_RUNNING | KSTACK_CAP_LOCK_WAIT;
	if (kstack_modorc_available())
		v.caps |= KSTACK_CAP_MODULE_ORC;
	v.thread_size = THREAD_SIZE;
	v.task_frame_layout = KSTACK_FRAME_LINUX_X86_64_V1;
	v.task_frame_size = sizeof(struct inactive_task_frame);
	v.task_frame_ret_off = offsetof(struct inactive_task_frame, ret_addr);
	v.task_frame_bp_off = offsetof(struct inactive_task_frame, bp);
	v.orc_layout = KSTACK_ORC_LAYOUT;
	v.os_version = LINUX_VERSION_CODE;
	v.os_build = 0;
	v.self_test_addr = 0;
	v.self_test_len = 0;
	strscpy(v.release, init_utsname()->release, sizeof(v.release));
	return kstack_req_out(uarg, &v, sizeof(v));
}

/* One switch; each case hands the user pointer to one helper. */
static long kstack_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	/*
	 * Dispatch on type and number only: the size bits of cmd change when
	 * a struct grows, and hdr.size already tells us what the caller has.
	 */
	if (_IOC_TYPE(cmd) != KSTACK_IOC_MAGIC)
		return -ENOTTY;
	/* the caller now, not whoever opened the fd (kstack_access.c) */
	if (kstack_caller_allowed())
		return -EPERM;
	switch (_IOC_NR(cmd)) {
	case KSTACK_NR_VERSION:
		return kstack_version(uarg);
	case KSTACK_NR_READ_MEMORY:
		return kstack_read_memory(uarg);
	case KSTACK_NR_THREAD_CONTEXT:
		return kstack_thread_context(uarg);
	case KSTACK_NR_STACK:
		return kstack_stack(uarg);
	case KSTACK_NR_SNAPSHOT:
		return kstack_snapshot(uarg);
	case KSTACK_NR_SYMBOLIZE:
		return kstack_symbolize(uarg);
	case KSTACK_NR_KERNEL_INFO:
		return kstack_kernel_info(uarg);
	case KSTACK_NR_MODULE_ORC:
		return kstack_module_orc(uarg);
	case KSTACK_NR_USER_MAPS:
		return kstack_user_maps(uarg);
	case KSTACK_NR_CATCH_RUNNING:
		return kstack_catch_running(uarg);
	case KSTACK_NR_LOCK_WAIT:
		return kstack_lock_wait(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kstack_fops = {
	.owner = THIS_MODULE,	/* pins the module while a fd is open */
	.open = kstack_open,
	.unlocked_ioctl = kstack_ioctl,
	/* every struct has one layout on i386 and x86_64: no translation */
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kstack_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kstack",
	.fops = &kstack_fops,
	.mode = 0600,
};

/*
 * Each part takes what it needs from the kernel in its own init, in this
 * order: who may ask (parameters checked before anything is set up), the
 * unexported symbols the others need, the readable ranges and KERNEL_INFO,
 * then the parts built on them. The device comes last: nothing can be
 * asked before every part is ready.
 */
static int __init kstack_init(void)
{
	const struct kstack_kernel_info *ki;
	kstack_lookup_t lookup;
	int ret;

	/* "other" bits would hand the node to everyone: refuse them */
	if (mode & ~0660) {
		pr_err("kstack: mode=%04o: only owner and group bits (0660) may be set\n", mode);
		return -EINVAL;
	}
	ret = kstack_access_check_params();
	if (ret)
		return ret;

	lookup = kstack_find_lookup_name();
	kstack_access_init(lookup);
	if (lookup) {
		kstack_mem_init(lookup);
		ki = kstack_mem_kernel_info();
		kstack_walk_init(lookup, ki);
		kstack_sym_init(lookup, ki->text_start, ki->text_end);
		kstack_snapshot_init(lookup);
		kstack_modorc_init(lookup);
	} else {
		pr_warn("kstack: cannot resolve kallsyms_lookup_name; READ_MEMORY limited to kernel stacks\n");
	}
	/* the waiter layouts LOCK_WAIT reads, each checked on a lock held here */
	kstack_lockwait_init();

	kstack_dev.mode = mode;
	ret = misc_register(&kstack_dev);
	if (ret) {
		kstack_sym_exit();
		return ret;
	}
	pr_info("kstack: loaded, protocol %u, node mode %04o, group %d\n",
		KSTACK_PROTO_VERSION, mode, kstack_access_group());
	return 0;
}

static void __exit kstack_exit(void)
{
	misc_deregister(&kstack_dev);
	kstack_sym_exit();
	/* both 0 unless a path leaked (kstack_count.c; the stress test checks) */
	pr_info("kstack: unloaded: %ld task references, %ld allocations live\n",
		kstack_count_tasks(), kstack_count_allocs());
}

module_init(kstack_init);
module_exit(kstack_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstack: kernel stacks of any thread for a user-space walker");
MODULE_VERSION("0.1.0");
