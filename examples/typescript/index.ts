// The dev stack's replication (../../Pulumi.dev.yaml), declared from TypeScript through the component package.
import * as aws from "@pulumi/aws";
import * as ecrReplication from "@pulumi/ecr-replication";

// One provider per account, pinned to it. The source uses a profile; the destination assumes a role.
const source = new aws.Provider("source", {
    region: "us-east-1",
    profile: "ecr-source",
    allowedAccountIds: ["111111111111"],
});
const destination = new aws.Provider("destination-222222222222", {
    region: "us-west-2",
    allowedAccountIds: ["222222222222"],
    assumeRoles: [{ roleArn: "arn:aws:iam::222222222222:role/ecr-replication-deployer" }],
});

const spoke = new aws.Provider("spoke-444444444444", {
    region: "ap-south-1",
    allowedAccountIds: ["444444444444"],
    assumeRoles: [{ roleArn: "arn:aws:iam::444444444444:role/ecr-replication-deployer" }],
});

const images = new ecrReplication.EcrReplication("images", {
    sourceProvider: source,
    sourceAccountId: "111111111111",
    sourceRegion: "us-east-1",
    destinations: [
        { provider: destination, accountId: "222222222222", regions: ["us-west-2", "eu-west-1"] },
        // Same account, another region: no registry policy is needed there.
        { provider: source, accountId: "111111111111", regions: ["us-west-2"] },
    ],
    // A pull-through spoke: caches the images from the us-west-2 destination on first pull, beyond the 25
    // registries replication reaches. Immutable tags except latest, which moves upstream: the cache
    // refreshes it, and no other cached tag can be moved (IMMUTABLE alone would stop every refresh).
    pullThroughDestinations: [{
        provider: spoke,
        accountId: "444444444444",
        regions: ["ap-south-1", "ap-southeast-1"],
        upstream: "222222222222/us-west-2",
        repositorySettings: { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: ["latest"] },
    }],
    repositoryPrefixes: ["prod/", "shared/"],
    repositorySettings: {
        imageTagMutability: "IMMUTABLE",
        scanOnPush: true,
        expireUntaggedAfterDays: 14,
        keepLastImages: 200,
        tags: { team: "platform" },
    },
});

export const sourceRegistry = images.sourceRegistry;
export const destinationRegistries = images.destinationRegistries;
export const replicationRules = images.replicationRules;
export const registryPolicies = images.registryPolicies;
export const pullThroughRegistries = images.pullThroughRegistries;
