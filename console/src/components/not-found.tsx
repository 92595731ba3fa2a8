import { Link } from './link';

/** The page of a resource id that is not in the region (or not the account's), with the way back to its list. */
export function NotFound(props: { noun: string; id: string; regionId: string; back: { to: string; text: string } }) {
  return (
    <section>
      <h1>{`${props.noun[0]!.toUpperCase()}${props.noun.slice(1)} not found`}</h1>
      <p>
        No {props.noun} <code>{props.id}</code> in {props.regionId}. <Link to={props.back.to}>{props.back.text}</Link>
      </p>
    </section>
  );
}
