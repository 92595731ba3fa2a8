import { useContext, useRef } from 'preact/hooks';
import { ChipInput } from '../../../components/chip-input';
import type { CodeEditorHandle, EditorMarker } from '../../../components/code-editor';
import { ContentEditor } from '../../../components/content-editor';
import { TagEditor } from '../../../components/tag-editor';
import { BaseImageField } from './base-image-field';
import { ComponentPicker } from './component-picker';
import { FormContext, SelectField, TextField } from './fields';
import type { TemplateForm } from './form-state';
import { RegionsField } from './regions-field';

/* The create form's always-open sections: what to start from, what to run, what to make. */

export interface SectionProps {
  regionId: string;
  form: TemplateForm;
  update(patch: Partial<TemplateForm>): void;
}

export function SourceSection(props: SectionProps) {
  return (
    <section class="card form-section" aria-labelledby="sec-source">
      <h2 id="sec-source">Template</h2>
      <div class="fields">
        <TextField wire="Name" label="Name" placeholder="web-server" hint="2–128 characters; a letter first. Default: the template id." />
        <TextField wire="Description" label="Description" hint="2–256 characters." class="wide" />
        <BaseImageField regionId={props.regionId} />
      </div>
    </section>
  );
}

const BUILD_HINT = 'Dockerfile-style commands: RUN, ENV, WORKDIR, COPY, USER, LABEL, COMPONENT <id>… Checked as you type.';

export function BuildSection(props: SectionProps & { markers: { BuildContent?: EditorMarker[]; TestContent?: EditorMarker[] } }) {
  const form = useContext(FormContext);
  const build = useRef<CodeEditorHandle | null>(null);
  const test = useRef<CodeEditorHandle | null>(null);
  return (
    <section class="card form-section" aria-labelledby="sec-build">
      <h2 id="sec-build">Build</h2>
      <ContentEditor
        kind="BuildContent"
        label="Build content"
        id="f-BuildContent"
        regionId={props.regionId}
        value={form.value('BuildContent')}
        onInput={(v) => form.set('BuildContent', v)}
        extraMarkers={props.markers.BuildContent}
        hint={BUILD_HINT}
        placeholder={'RUN apk add --no-cache curl\nENV APP_HOME=/srv/app'}
        handle={build}
      />
      <ComponentPicker regionId={props.regionId} componentType="Build" target="build content" onInsert={(l) => build.current?.insertLine(l)} />
      <ContentEditor
        kind="TestContent"
        label="Test content"
        id="f-TestContent"
        regionId={props.regionId}
        value={form.value('TestContent')}
        onInput={(v) => form.set('TestContent', v)}
        extraMarkers={props.markers.TestContent}
        hint="Commands run against the built image; the build fails when one fails."
        rows={6}
        handle={test}
      />
      <ComponentPicker regionId={props.regionId} componentType="Test" target="test content" onInsert={(l) => test.current?.insertLine(l)} />
    </section>
  );
}

const NVME = ['supported', 'unsupported', 'auto'];

export function OutputSection(props: SectionProps) {
  const form = useContext(FormContext);
  return (
    <section class="card form-section" aria-labelledby="sec-output">
      <h2 id="sec-output">Image</h2>
      <div class="fields">
        <TextField wire="ImageOptions.ImageName" label="Image name prefix" hint="Each build's image is named <prefix>_<timestamp> unless the suffix is disabled (Advanced)." />
        <TextField wire="ImageOptions.ImageFamily" label="Image family" />
        <TextField wire="ImageOptions.Description" label="Image description" class="wide" />
        <SelectField wire="ImageOptions.ImageFeatures.NvmeSupport" label="NVMe support" options={NVME} />
      </div>
      <TagEditor legend="Image tags" tags={props.form.imageTags} onChange={(imageTags) => props.update({ imageTags })} error={form.errorFor('ImageOptions.ImageTags')} />
    </section>
  );
}

export function DistributionSection(props: SectionProps) {
  const form = useContext(FormContext);
  return (
    <section class="card form-section" aria-labelledby="sec-dist">
      <h2 id="sec-dist">Distribution and tags</h2>
      <RegionsField regionId={props.regionId} values={props.form.regions} onChange={(regions) => props.update({ regions })} />
      <ChipInput
        id="f-AddAccount"
        label="Share with accounts"
        hint="Numeric account ids; Enter or comma after each (at most 20)."
        values={props.form.accounts}
        max={20}
        accept={(v) => (/^\d{1,20}$/.test(v) ? undefined : `"${v}" is not a numeric account id`)}
        onChange={(accounts) => props.update({ accounts })}
        error={form.errorFor('AddAccount')}
      />
      <TagEditor legend="Template tags" tags={props.form.tags} onChange={(tags) => props.update({ tags })} error={form.errorFor('Tag')} />
    </section>
  );
}
