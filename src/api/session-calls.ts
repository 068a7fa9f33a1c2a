/**
 * The HTML5 client's calls in bbb-web 3.0's UrlMappings, named by a sessionToken instead of a
 * checksum. Only the node that issued the token knows it (BBB issue #24212), so the balancer's API
 * answers them `nodeSessionCall`, before reading anything (their entries in src/api/router.ts);
 * the cluster proxy (src/proxy) carries them to the node under /<basename>/bigbluebutton/api/.
 */
export const NODE_SESSION_CALLS: readonly string[] = ['enter', 'stuns', 'signOut', 'guestWait', 'getJoinUrl', 'learningDashboard', 'feedback'];
