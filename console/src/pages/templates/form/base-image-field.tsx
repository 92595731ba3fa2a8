import { useContext } from 'preact/hooks';
import { call } from '../../../api/client';
import { useAsync } from '../../../components/async';
import { FormContext, SelectField, TextField } from './fields';
import { useDebounced } from './use-debounced';

/**
 * BaseImageType and BaseImage: for IMAGE, suggestions of the images the account can use
 * (its own, shared with it, system) whose name contains what was typed; for IMAGE_FAMILY, the
 * families among them; nothing for OSS (the import options say where the disk comes from).
 */
export function BaseImageField(props: { regionId: string }) {
  const form = useContext(FormContext);
  const type = form.value('BaseImageType');
  const typed = useDebounced(form.value('BaseImage'), 250);
  const images = useAsync(
    (signal) =>
      type === 'OSS'
        ? Promise.resolve(undefined)
        : call(
            'DescribeImages',
            {
              RegionId: props.regionId,
              ImageOwnerAlias: 'system,self,others',
              PageSize: 100,
              ...(type === 'IMAGE' && typed && !typed.startsWith('m-') ? { ImageName: typed } : {}),
            },
            signal,
          ),
    [props.regionId, type, type === 'IMAGE' ? typed : ''],
  );
  const list = images.value?.Images.Image ?? [];
  const families = [...new Set(list.map((i) => i.ImageFamily).filter((f): f is string => Boolean(f)))].sort();
  return (
    <>
      <SelectField wire="BaseImageType" label="Base image type" required options={['IMAGE', 'IMAGE_FAMILY', 'OSS']} hint="An image, the newest image of a family, or a disk file imported from OSS." />
      {type === 'OSS' ? null : (
        <TextField
          wire="BaseImage"
          label={type === 'IMAGE' ? 'Base image' : 'Base image family'}
          required
          list="base-image-options"
          placeholder={type === 'IMAGE' ? 'image id, or type part of a name' : 'family name'}
          hint={images.error ? 'Suggestions unavailable.' : type === 'IMAGE' ? `${list.length} suggestions` : `${families.length} families`}
        />
      )}
      <datalist id="base-image-options">
        {type === 'IMAGE'
          ? list.map((i) => (
              <option key={i.ImageId} value={i.ImageId}>
                {`${i.ImageName} (${i.ImageOwnerAlias})`}
              </option>
            ))
          : families.map((f) => <option key={f} value={f} />)}
      </datalist>
    </>
  );
}
