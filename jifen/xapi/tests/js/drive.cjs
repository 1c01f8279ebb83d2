// Drives Jifen's LRS with the @xapi/xapi client as an xAPI 2.0 system would. Usage:
//   node drive.cjs ENDPOINT KEY SECRET   (prints one JSON object with what it saw)
const XAPI = require("@xapi/xapi");

const [endpoint, key, secret] = process.argv.slice(2);
const xapi = new XAPI({ endpoint, auth: XAPI.toBasicAuth(key, secret), version: "2.0.0" });
const learner = { objectType: "Agent", name: "Han Meimei", mbox: "mailto:han.meimei@example.com" };
const activity = {
  objectType: "Activity",
  id: "https://lms.example.com/courses/safety",
  definition: { name: { "zh-CN": "安全生产" }, type: "http://adlnet.gov/expapi/activities/course" },
};
const completed = (extra) => ({
  actor: learner,
  verb: XAPI.Verbs.COMPLETED,
  object: activity,
  result: { completion: true, success: true, score: { scaled: 0.9, raw: 90, min: 0, max: 100 }, duration: "PT45M" },
  context: {
    registration: "9c0d4a3e-5b1f-4c2a-8e7d-6f5a4b3c2d1e",
    contextAgents: [{ objectType: "contextAgent", agent: { mbox: "mailto:coach@example.com" },
      relevantTypes: ["https://w3id.org/xapi/cmi5/context/categories/moveon"] }],
  },
  timestamp: new Date().toISOString(),
  ...extra,
});

async function status(promise) {
  try {
    const response = await promise;
    return response.status;
  } catch (error) {
    return error.response ? error.response.status : String(error);
  }
}

(async () => {
  const seen = {};
  seen.about = (await xapi.getAbout()).data.version;
  const sent = await xapi.sendStatement({ statement: completed() });
  seen.sent = sent.data;
  const batch = await xapi.sendStatements({ statements: [completed(), completed(), completed()] });
  seen.batch = batch.data;
  const one = await xapi.getStatement({ statementId: seen.sent[0] });
  seen.version = one.headers["x-experience-api-version"];
  seen.stored = one.data;
  const page = await xapi.getStatements({ limit: 2, agent: learner });
  seen.firstPage = page.data.statements.map((s) => s.id);
  seen.consistentThrough = page.headers["x-experience-api-consistent-through"];
  const rest = await xapi.getMoreStatements({ more: page.data.more });
  seen.secondPage = rest.data.statements.map((s) => s.id);
  await xapi.voidStatement({ actor: learner, statementId: seen.batch[0] });
  seen.voidedGone = await status(xapi.getStatement({ statementId: seen.batch[0] }));
  seen.voidedFound = await status(xapi.getVoidedStatement({ voidedStatementId: seen.batch[0] }));
  const profile = { activityId: activity.id, profileId: "settings" };
  await xapi.setActivityProfile({ ...profile, profile: { theme: "dark" }, etag: "*", matchHeader: "If-None-Match" });
  const stored = await xapi.getActivityProfile(profile);
  seen.profile = stored.data;
  const etag = stored.headers.etag;
  seen.updateWithEtag = await status(xapi.setActivityProfile({ ...profile, profile: { theme: "light" }, etag,
    matchHeader: "If-Match" }));
  seen.updateWithStaleEtag = await status(xapi.setActivityProfile({ ...profile, profile: { theme: "blue" }, etag,
    matchHeader: "If-Match" }));
  seen.badStatement = await status(xapi.sendStatement({ statement: { actor: learner, verb: { id: "not an iri" },
    object: activity } }));
  console.log(JSON.stringify(seen));
})().catch((error) => {
  console.error(error.response ? JSON.stringify(error.response.data) : error);
  process.exit(1);
});
