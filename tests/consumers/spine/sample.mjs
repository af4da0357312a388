// Loads lipsync Spine JSON files into skeletons with spine-core (SkeletonJson, AnimationState) and
// prints, as JSON keyed by file, the mouth slot's attachment on every frame, sampled two ways:
// the track time set to each frame's start, and a game loop advancing the clock by 1/fps.
// Usage: node sample.mjs ANIMATION_NAME SLOT FPS_NUM FPS_DEN FRAMES ANIMATION.json...
// SPINE_CORE names the package: @esotericsoftware/spine-core (4.2, the default) or spine-core-4.3.
import { readFileSync } from "node:fs";
const { AnimationState, AnimationStateData, RegionAttachment, Skeleton, SkeletonJson } =
  await import(process.env.SPINE_CORE || "@esotericsoftware/spine-core");

const [animation, slot, num, den, frames, ...files] = process.argv.slice(2);
const results = {};
for (const file of files) {
const exported = JSON.parse(readFileSync(file, "utf8"));
const keys = exported.animations[animation].slots[slot].attachment;
const attachments = {};
for (const key of keys) attachments[key.name] = { width: 1, height: 1 };
const skeletonJson = {
  skeleton: { spine: "4.2.0" },
  bones: [{ name: "root" }],
  slots: [{ name: slot, bone: "root" }],
  skins: [{ name: "default", attachments: { [slot]: attachments } }],
  animations: exported.animations,
};
const loader = {
  // 4.2: (skin, name, path); 4.3: (skin, placeholder, name, path, sequence), whose texture
  // regions an atlas would give: here a 1x1 region each
  newRegionAttachment: (...args) => {
    if (args.length < 5) return new RegionAttachment(args[1], args[2]);
    const sequence = args[4];
    sequence.regions.fill({ u: 0, v: 0, u2: 1, v2: 1, degrees: 0, offsetX: 0, offsetY: 0, width: 1, height: 1,
                            originalWidth: 1, originalHeight: 1 });
    return new RegionAttachment(args[2], sequence);
  },
  newMeshAttachment: () => null, newBoundingBoxAttachment: () => null, newPathAttachment: () => null,
  newPointAttachment: () => null, newClippingAttachment: () => null,
};
const data = new SkeletonJson(loader).readSkeletonData(skeletonJson);

function sample(advance) {
  const skeleton = new Skeleton(data);
  const state = new AnimationState(new AnimationStateData(data));
  const entry = state.setAnimation(0, animation, false);
  const shown = [];
  for (let frame = 0; frame < Number(frames); frame++) {
    if (advance) state.update(frame === 0 ? 0 : Number(den) / Number(num));
    else { state.update(0); entry.trackTime = frame * Number(den) / Number(num); }
    state.apply(skeleton);
    const found = skeleton.findSlot(slot);
    const attachment = found.appliedPose ? found.appliedPose.getAttachment() : found.getAttachment();  // 4.3 : 4.2
    shown.push(attachment ? attachment.name : "-");
  }
  return shown;
}

results[file] = { exact: sample(false), loop: sample(true) };
}
console.log(JSON.stringify(results));
