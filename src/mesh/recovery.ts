// Escrow of the account profile secret (issue 6): the seed's 32 random octets split into Shamir
// shares (udf.md §8, engineer A's shamir.ts); any `quorum` of them rebuild the same account seed,
// hence the same account keys and profile UDF.
import { MeshError } from './errors.ts';
import { concat } from './bytes.ts';
import { parseKeySeed, presentKeySeed, SeedSpecifier } from './keyderive.ts';
import { recoverSecret, splitSecret } from './shamir.ts';
import { UdfType } from './udf.ts';
import { keyUdfBytes } from './keys.ts';
import { profileUdf } from './protocol/fingerprints.ts';
import { accountKeysFromSeed, publicOf } from './profile.ts';

export interface Escrow {
  shares: string[];
  quorum: number;
  /** The account profile UDF the shares restore (to check a recovery against). */
  accountUdf: string;
}

export function escrowAccountSeed(accountSeed: string, shares = 3, quorum = 2): Escrow {
  if (!Number.isInteger(shares) || !Number.isInteger(quorum) || quorum < 2 || quorum > shares || shares > 15) {
    throw new MeshError('malformed', 'need 2 ≤ quorum ≤ shares ≤ 15');
  }
  const seed = parseKeySeed(accountSeed);
  if (seed.keySpecifier !== SeedSpecifier.AccountProfile) throw new MeshError('malformed', 'not an account profile seed');
  return { shares: splitSecret(seed.seed, shares, quorum), quorum, accountUdf: accountUdfOfSeed(accountSeed) };
}

/** Rebuilds the account seed from `quorum` shares; MeshError on too few, mixed or bad shares. */
export function recoverAccountSeed(shares: string[]): string {
  const secret = recoverSecret(shares);
  if (secret.length !== 32) throw new MeshError('integrity', 'the shares do not rebuild an account secret');
  const spec = SeedSpecifier.AccountProfile;
  return presentKeySeed(parseKeySeed(concat(Uint8Array.of(UdfType.Seed, spec >> 8, spec & 0xff), secret)));
}

/** The account profile UDF a seed gives (independent of the account address). */
export function accountUdfOfSeed(accountSeed: string): string {
  const root = accountKeysFromSeed(accountSeed).profile;
  return profileUdf([keyUdfBytes('Ed448', publicOf(root))]);
}
