// `mesh sequence …`: inspect and verify DARE sequence files.
import { CliError, option, requirePositional, type Command } from '../framework.ts';
import { fromBase64Url, fromUtf8, toBase64Url } from '../../mesh/bytes.ts';
import { MeshError } from '../../mesh/errors.ts';
import {
  decryptFrames, decryptionKey, isCheckpointFrame, keysByKid, latestCheckpoint, readSequence, SequenceKeyring, wholeFramesLength,
  type SequenceFrame,
} from '../../mesh/dare/index.ts';
import { readBytes, readKeyFile } from './dare.ts';

function meta(f: SequenceFrame): Record<string, unknown> | undefined {
  if (typeof f.header.ContentMetaData !== 'string') return undefined;
  try {
    return JSON.parse(fromUtf8(fromBase64Url(f.header.ContentMetaData)));
  } catch {
    return undefined;
  }
}

function summary(f: SequenceFrame) {
  const m = meta(f);
  return {
    index: f.index,
    position: f.position,
    octets: f.end - f.position,
    payload: f.payload.length,
    ...(f.header.enc ? { enc: f.header.enc } : {}),
    ...(f.header.recipients?.length ? { recipients: f.header.recipients.length } : {}),
    ...(f.header.SequenceInfo?.IsMeta ? { meta: isCheckpointFrame(f) ? 'checkpoint' : f.header.SequenceIndex ? 'index' : true } : {}),
    ...(m?.UniqueId !== undefined ? { uniqueId: m.UniqueId } : {}),
    ...(m?.Event !== undefined ? { event: m.Event } : {}),
    ...(m?.cty !== undefined ? { cty: m.cty } : {}),
    ...((f.trailer?.signatures ?? f.header.signatures)?.length ? { signatures: (f.trailer?.signatures ?? f.header.signatures)!.length } : {}),
  };
}

type Row = ReturnType<typeof summary>;

export const commands: Command[] = [
  {
    path: ['sequence', 'list'],
    usage: 'mesh sequence list FILE',
    summary: 'list the frames of a DARE sequence (index, offset, size, metadata); digests are not checked',
    async run(args) {
      const file = requirePositional(args, 0, 'FILE');
      const bytes = await readBytes(file);
      const whole = wholeFramesLength(bytes);
      const { frames, state } = readSequence(bytes.subarray(0, whole), { verify: false });
      return { file, type: state.type, frames: frames.map(summary), ...(whole < bytes.length ? { tornTail: bytes.length - whole } : {}) };
    },
    human: (r) => {
      const x = r as { file: string; type: string; frames: Row[]; tornTail?: number };
      const lines = [`${x.file}: ${x.type} sequence, ${x.frames.length} frames`];
      for (const f of x.frames) {
        const extra = Object.entries(f).filter(([k]) => !['index', 'position', 'octets', 'payload'].includes(k)).map(([k, v]) => `${k}=${String(v)}`);
        lines.push(`  #${f.index} @${f.position} ${f.octets} octets, payload ${f.payload}${extra.length ? ' ' + extra.join(' ') : ''}`);
      }
      if (x.tornTail) lines.push(`  (torn last frame: ${x.tornTail} trailing octets)`);
      return lines.join('\n');
    },
  },
  {
    path: ['sequence', 'verify'],
    usage: 'mesh sequence verify FILE [--key KEYFILE[,KEYFILE…]]',
    summary: 'verify every frame\'s digests and the Merkle tree; with keys, also decrypt every frame and check signed checkpoints',
    valueOptions: ['key'],
    async run(args) {
      const file = requirePositional(args, 0, 'FILE');
      const bytes = await readBytes(file);
      let read;
      try {
        read = readSequence(bytes);
      } catch (e) {
        if (e instanceof MeshError && e.code === 'truncated') throw new CliError(`${file}: torn last frame (${bytes.length - wholeFramesLength(bytes)} trailing octets); the first ${wholeFramesLength(bytes)} octets are whole frames`);
        throw e;
      }
      const { frames, state } = read;
      const keys = await Promise.all((option(args, 'key')?.split(',').filter(Boolean) ?? []).map(readKeyFile));
      const decrypting = keys.filter((k) => k.private && (k.crv === 'X448' || k.crv === 'X25519')).map((k) => decryptionKey(k.crv, k.private!, k.kid));
      let decrypted = 0;
      if (decrypting.length) {
        const encrypted = frames.filter((f) => f.header.enc && f.header.enc !== 'none');
        await decryptFrames(encrypted, new SequenceKeyring(frames, decrypting));
        decrypted = encrypted.length;
      }
      const signing = keys.filter((k) => k.crv === 'Ed448' || k.crv === 'Ed25519').map((k) => ({ kid: k.kid, crv: k.crv, public: k.public }));
      const checkpoint = signing.length ? latestCheckpoint(frames, keysByKid(signing), state.tree) : undefined;
      const apex = state.type === 'Merkle' && state.count ? toBase64Url(state.tree[state.count - 1]) : undefined;
      return { file, valid: true, type: state.type, frames: state.count, octets: state.length, ...(apex ? { apex } : {}), ...(decrypting.length ? { decrypted } : {}), ...(checkpoint ? { checkpoint: checkpoint.index } : {}) };
    },
    human: (r) => {
      const x = r as { file: string; type: string; frames: number; apex?: string; decrypted?: number; checkpoint?: number };
      return [
        `${x.file}: valid ${x.type} sequence of ${x.frames} frames`,
        ...(x.apex ? [`  tree apex ${x.apex}`] : []),
        ...(x.decrypted !== undefined ? [`  ${x.decrypted} encrypted frames decrypted`] : []),
        ...(x.checkpoint !== undefined ? [`  signed checkpoint at frame ${x.checkpoint} verifies`] : []),
      ].join('\n');
    },
  },
];
