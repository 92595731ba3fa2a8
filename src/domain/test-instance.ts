/**
 * Where a template's TestContent runs (docs/vm-images.md, "TESTING in a VM"). The cloud runs the
 * test component on an instance made from the new image; Kiln does the same for a VM image (one
 * with a kernel): it boots the image in QEMU and runs the test steps inside it. An image without
 * a kernel (a container base such as busybox or Debian minbase) cannot boot: its tests run in a
 * runc container on its layers, as its build steps did.
 */
export type TestInstanceKind = 'vm' | 'container';

/**
 * The template tag that chooses: `auto` (or no tag) by the image's kind; `vm` always boots
 * (an image without a kernel fails its test, saying so); `container` always uses runc (quicker,
 * for tests that need no booted system).
 */
export const TEST_INSTANCE_TAG = 'kiln:test-instance';

export type TestInstanceSetting = 'auto' | TestInstanceKind;

/** The template's setting; a value other than the three reads as `auto`. */
export function testInstanceSetting(templateTags: ReadonlyArray<{ key: string; value: string }>): TestInstanceSetting {
  const value = templateTags.find((t) => t.key === TEST_INSTANCE_TAG)?.value.trim().toLowerCase();
  return value === 'vm' || value === 'container' ? value : 'auto';
}
