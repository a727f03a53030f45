import mongoose from 'mongoose';
import { atomically } from '../../src/db/transaction';
import { RefreshToken } from '../../src/models/refresh-token.model';
import { User } from '../../src/models/user.model';
import { createUser } from '../helpers/factories';

describe('atomically', () => {
  it('commits every step together on a replica set', async () => {
    const user = await createUser();
    await atomically(mongoose.connection, async (session) => {
      expect(session).toBeDefined();
      await User.updateOne({ _id: user.id }, { $set: { disabled: true } }, { session });
      await RefreshToken.deleteMany({ user: user.id }, { session });
    });
    expect((await User.findById(user.id).lean())!.disabled).toBe(true);
  });

  it('rolls every step back when one fails', async () => {
    const user = await createUser();
    await expect(
      atomically(mongoose.connection, async (session) => {
        await User.updateOne({ _id: user.id }, { $set: { disabled: true } }, { session });
        throw new Error('second step failed');
      }),
    ).rejects.toThrow('second step failed');
    expect((await User.findById(user.id).lean())!.disabled).toBe(false);
  });
});
